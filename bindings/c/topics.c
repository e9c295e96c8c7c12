/*
 * A small `kafka-topics`: create, list, describe, delete topics and add
 * partitions, through kafka.so alone.
 *
 *   topics [BOOTSTRAP] --create NAME [--partitions N] [--replication-factor N] [--config k=v]...
 *   topics [BOOTSTRAP] --list                  one line per topic: name, partition count
 *   topics [BOOTSTRAP] --describe [NAME]       partitions with leader, replicas, ISR
 *   topics [BOOTSTRAP] --delete NAME...
 *   topics [BOOTSTRAP] --alter NAME --partitions N
 *
 * BOOTSTRAP defaults to KAFKA_BOOTSTRAP, else to an embedded three-broker
 * mock cluster with one topic, "example". The mock answers metadata
 * (--list, --describe) but not the admin requests that change topics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"
#include "kafka.h"

static int usage(void)
{
    fprintf(stderr, "usage: topics [BOOTSTRAP] --create NAME [--partitions N] [--replication-factor N] "
                    "[--config k=v]...\n"
                    "       topics [BOOTSTRAP] --list | --describe [NAME] | --delete NAME... | "
                    "--alter NAME --partitions N\n");
    return 2;
}

/* Per-item admin calls put one "name: reason" line per failed item in errtxt. */
static int report(int rc, const char *err)
{
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    return rc != 0;
}

static int create(void *client, int argc, char **argv)
{
    const char *name = NULL;
    int32_t partitions = -1, replication = -1; /* -1: the broker's default */
    char config[4096] = "";                     /* key=value lines */
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--partitions") && i + 1 < argc)
            partitions = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--replication-factor") && i + 1 < argc)
            replication = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--config") && i + 1 < argc)
            snprintf(config + strlen(config), sizeof config - strlen(config), "%s\n", argv[++i]);
        else if (!name && argv[i][0] != '-')
            name = argv[i];
        else
            return usage();
    }
    if (!name)
        return usage();
    char err[1024];
    int len = sizeof err;
    int32_t error;
    int rc = CreateTopics(client, name, &partitions, &replication, 1, config, 0, TIMEOUT_MS, &error, err, &len);
    if (rc == 0)
        printf("Created topic %s.\n", name);
    return report(rc, err);
}

static int delete(void *client, int argc, char **argv)
{
    if (argc <= 0)
        return usage();
    char names[4096] = ""; /* one name per line */
    for (int i = 0; i < argc; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? "\n" : "", argv[i]);
    int32_t *errors = calloc(argc, sizeof *errors);
    char err[4096];
    int len = sizeof err;
    int rc = DeleteTopics(client, names, argc, TIMEOUT_MS, errors, err, &len);
    for (int i = 0; i < argc; i++) {
        if (errors[i] == 0) /* the others are in err */
            printf("Deleted topic %s.\n", argv[i]);
    }
    free(errors);
    return report(rc, err);
}

static int alter(void *client, int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--partitions") != 0)
        return usage();
    int32_t total = atoi(argv[2]), error;
    char err[1024];
    int len = sizeof err;
    int rc = CreatePartitions(client, argv[0], &total, 1, 0, TIMEOUT_MS, &error, err, &len);
    if (rc == 0)
        printf("Topic %s now has %d partitions.\n", argv[0], total);
    return report(rc, err);
}

static int list(void *client)
{
    cJSON *md = ask("Metadata", Metadata, client, NULL);
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(md, "topics")) {
        printf("%s\t%d partitions\n", text(t, "topic"),
               cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t, "partitions")));
    }
    cJSON_Delete(md);
    return 0;
}

/* The topic's settings that differ from the broker's, as "k=v,k=v" (kafka-topics' Configs:). */
static void print_configs(void *client, const char *topic)
{
    char err[512];
    int32_t size = 1 << 16;
    char *json = NULL;
    int rc;
    do {
        json = realloc(json, size);
        int len = sizeof err;
        rc = DescribeConfigs(client, "topic", topic, TIMEOUT_MS, json, &size, err, &len);
    } while (rc == KAFKA_ERR_TOO_SMALL);
    cJSON *described = rc == 0 ? cJSON_Parse(json) : NULL; /* the mock cluster cannot describe: no configs */
    const cJSON *c;
    const char *sep = "";
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(described, "configs")) {
        if (!strcmp(text(c, "source"), "DYNAMIC_TOPIC_CONFIG")) {
            printf("%s%s=%s", sep, text(c, "name"), text(c, "value"));
            sep = ",";
        }
    }
    cJSON_Delete(described);
    free(json);
}

static int describe(void *client, const char *name)
{
    cJSON *md = ask("Metadata", Metadata, client, name);
    const cJSON *t, *p;
    int failed = 0;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(md, "topics")) {
        const char *topic = text(t, "topic");
        if (number(t, "error") != 0) {
            fprintf(stderr, "Topic '%s': %s\n", topic, text(t, "error_text"));
            failed = 1;
            continue;
        }
        const cJSON *partitions = cJSON_GetObjectItemCaseSensitive(t, "partitions");
        const cJSON *first = cJSON_GetArrayItem(partitions, 0);
        printf("Topic: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: ", topic,
               cJSON_GetArraySize(partitions),
               cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(first, "replicas")));
        print_configs(client, topic);
        printf("\n");
        cJSON_ArrayForEach(p, partitions) {
            printf("\tTopic: %s\tPartition: %lld\tLeader: ", topic, number(p, "partition"));
            if (number(p, "leader") >= 0)
                printf("%lld", number(p, "leader"));
            else
                printf("none");
            printf("\tReplicas: ");
            print_ids(cJSON_GetObjectItemCaseSensitive(p, "replicas"));
            printf("\tIsr: ");
            print_ids(cJSON_GetObjectItemCaseSensitive(p, "isrs"));
            printf("\n");
        }
    }
    cJSON_Delete(md);
    return failed;
}

int main(int argc, char **argv)
{
    int i = 1;
    const char *arg = argc > 1 && argv[1][0] != '-' ? argv[i++] : NULL;
    if (i >= argc)
        return usage();
    const char *action = argv[i++];
    int rest = argc - i;
    char **args = argv + i;

    void *mock = NULL;
    const char *bootstrap = find_cluster(arg, 3, &mock);
    if (mock) {
        char err[256];
        int32_t len = sizeof err;
        int rc = MockCreateTopic(mock, "example", 3, 3, err, &len);
        if (rc != 0)
            die("MockCreateTopic", rc, err);
    }
    void *client = new_client(bootstrap);

    int status;
    if (!strcmp(action, "--create"))
        status = create(client, rest, args);
    else if (!strcmp(action, "--delete"))
        status = delete(client, rest, args);
    else if (!strcmp(action, "--alter"))
        status = alter(client, rest, args);
    else if (!strcmp(action, "--list") && rest == 0)
        status = list(client);
    else if (!strcmp(action, "--describe") && rest <= 1)
        status = describe(client, rest ? args[0] : NULL);
    else
        status = usage();

    UninitConsumer(client);
    if (mock)
        DestroyMockCluster(mock);
    return status;
}
