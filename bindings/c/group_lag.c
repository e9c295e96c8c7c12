/*
 * Prints a consumer group's lag per partition, with the columns of
 * `kafka-consumer-groups --describe --offsets` ("-" where a value is
 * unknown: no committed offset, or no member owns the partition).
 *
 *   group_lag [BOOTSTRAP] GROUP
 *
 * BOOTSTRAP defaults to KAFKA_BOOTSTRAP. There is no embedded mock cluster
 * here: it cannot describe groups.
 */
#include <stdio.h>
#include <stdlib.h>

#include "example.h"
#include "kafka.h"

/* An offset or lag column: the number, or "-" when it is null. */
static const char *offset(const cJSON *row, const char *field, char *buf, size_t size)
{
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(row, field)))
        return "-";
    snprintf(buf, size, "%lld", number(row, field));
    return buf;
}

int main(int argc, char **argv)
{
    const char *bootstrap = argc == 3 ? argv[1] : getenv("KAFKA_BOOTSTRAP");
    if (argc < 2 || argc > 3 || !bootstrap) {
        fprintf(stderr, "usage: group_lag [BOOTSTRAP] GROUP (BOOTSTRAP defaults to KAFKA_BOOTSTRAP)\n");
        return 2;
    }
    const char *group = argv[argc - 1];

    void *client = new_client(bootstrap);
    cJSON *lag = ask("GroupLag", GroupLag, client, group);
    const char *format = "%-20s %-20s %-10s %-15s %-15s %-10s %-45s %-16s %s\n";
    printf(format, "GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST",
           "CLIENT-ID");
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(lag, "partitions")) {
        char partition[16], current[24], end[24], behind[24];
        printf(format, group, text(row, "topic"), offset(row, "partition", partition, sizeof partition),
               offset(row, "committed", current, sizeof current), offset(row, "end", end, sizeof end),
               offset(row, "lag", behind, sizeof behind), text(row, "member_id"), text(row, "host"),
               text(row, "client_id"));
    }

    cJSON_Delete(lag);
    UninitConsumer(client);
    return 0;
}
