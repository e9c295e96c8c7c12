/*
 * Runs the library's embedded mock cluster standalone: prints its bootstrap
 * address on stdout, then serves until SIGINT or SIGTERM.
 * Any Kafka client on this machine can use it (kcat, confluent-kafka, ...).
 *
 *   mock_broker [BROKERS] [TOPIC:PARTITIONS ...]
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

int main(int argc, char **argv)
{
    int brokers = argc > 1 ? atoi(argv[1]) : 1;
    void *mock = NULL;
    char text[512];
    int len = sizeof text;
    int rc = NewMockCluster(brokers, &mock, text, &len);
    if (rc != 0) {
        fprintf(stderr, "mock_broker: %.*s (%d)\n", len, text, rc);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        char topic[256];
        int partitions = 1;
        snprintf(topic, sizeof topic, "%s", argv[i]);
        char *colon = strchr(topic, ':');
        if (colon) {
            *colon = '\0';
            partitions = atoi(colon + 1);
        }
        char err[256];
        int errlen = sizeof err;
        rc = MockCreateTopic(mock, topic, partitions, 1, err, &errlen);
        if (rc != 0) {
            fprintf(stderr, "mock_broker: topic %s: %.*s (%d)\n", topic, errlen, err, rc);
            return 1;
        }
    }
    printf("%.*s\n", len, text);
    fflush(stdout);

    /* Block the signals, then wait for them atomically: none can be missed. */
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_signals, &previous);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!stopping)
        sigsuspend(&previous);
    DestroyMockCluster(mock);
    return 0;
}
