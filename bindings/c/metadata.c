/*
 * Prints the cluster's metadata the way `kcat -L` does: brokers (and which
 * is the controller), topics, and per partition its leader, replicas and
 * in-sync replicas.
 *
 *   metadata [BOOTSTRAP [TOPIC]]
 *
 * BOOTSTRAP defaults to KAFKA_BOOTSTRAP, else to an embedded three-broker
 * mock cluster with one example topic.
 */
#include <stdio.h>

#include "example.h"
#include "kafka.h"

int main(int argc, char **argv)
{
    void *mock = NULL;
    const char *bootstrap = find_cluster(argc > 1 ? argv[1] : NULL, 3, &mock);
    const char *topic = argc > 2 ? argv[2] : NULL; /* NULL: every topic */
    if (mock) {
        char err[256];
        int32_t len = sizeof err;
        int rc = MockCreateTopic(mock, "example", 3, 3, err, &len);
        if (rc != 0)
            die("MockCreateTopic", rc, err);
    }

    void *client = new_client(bootstrap);
    cJSON *md = ask("Metadata", Metadata, client, topic);
    const cJSON *brokers = cJSON_GetObjectItemCaseSensitive(md, "brokers");
    const cJSON *topics = cJSON_GetObjectItemCaseSensitive(md, "topics");
    long long controller = number(md, "controller_id"), from = number(md, "orig_broker_id");
    const cJSON *b, *t, *p;

    /* The answering broker, as kcat names it: id: host:port/id. */
    printf("Metadata for %s (from broker %lld", topic ? topic : "all topics", from);
    cJSON_ArrayForEach(b, brokers) {
        if (number(b, "id") == from)
            printf(": %s:%lld/%lld", text(b, "host"), number(b, "port"), from);
    }
    printf("):\n %d brokers:\n", cJSON_GetArraySize(brokers));
    cJSON_ArrayForEach(b, brokers) {
        printf("  broker %lld at %s:%lld%s\n", number(b, "id"), text(b, "host"), number(b, "port"),
               number(b, "id") == controller ? " (controller)" : "");
    }

    printf(" %d topics:\n", cJSON_GetArraySize(topics));
    cJSON_ArrayForEach(t, topics) {
        const cJSON *partitions = cJSON_GetObjectItemCaseSensitive(t, "partitions");
        printf("  topic \"%s\" with %d partitions:", text(t, "topic"), cJSON_GetArraySize(partitions));
        if (number(t, "error") != 0)
            printf(" %s", text(t, "error_text"));
        printf("\n");
        cJSON_ArrayForEach(p, partitions) {
            printf("    partition %lld, leader %lld, replicas: ", number(p, "partition"), number(p, "leader"));
            print_ids(cJSON_GetObjectItemCaseSensitive(p, "replicas"));
            printf(", isrs: ");
            print_ids(cJSON_GetObjectItemCaseSensitive(p, "isrs"));
            if (number(p, "error") != 0)
                printf(", %s", text(p, "error_text"));
            printf("\n");
        }
    }

    cJSON_Delete(md);
    UninitConsumer(client);
    if (mock)
        DestroyMockCluster(mock);
    return 0;
}
