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
#include <string.h>

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

/* A text column is as wide as its widest value, as in Kafka's tool. */
static int width(const cJSON *rows, const char *field, const char *title)
{
    int widest = (int)strlen(title);
    const cJSON *row;
    cJSON_ArrayForEach(row, rows) {
        int n = (int)strlen(text(row, field));
        widest = n > widest ? n : widest;
    }
    return widest;
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
    int missing = !strcmp(text(lag, "state"), "Dead"); /* what the broker says of a group it does not know */
    if (missing)
        fprintf(stderr, "Consumer group '%s' does not exist.\n", group);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(lag, "partitions"), *row;
    int gw = strlen(group) > 5 ? (int)strlen(group) : 5, tw = width(rows, "topic", "TOPIC"),
        mw = width(rows, "member_id", "CONSUMER-ID"), hw = width(rows, "host", "HOST");
    const char *format = "%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s\n";
    if (!missing)
        printf(format, gw, "GROUP", tw, "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", mw,
               "CONSUMER-ID", hw, "HOST", "CLIENT-ID");
    cJSON_ArrayForEach(row, rows) {
        char partition[16], current[24], end[24], behind[24];
        printf(format, gw, group, tw, text(row, "topic"), offset(row, "partition", partition, sizeof partition),
               offset(row, "committed", current, sizeof current), offset(row, "end", end, sizeof end),
               offset(row, "lag", behind, sizeof behind), mw, text(row, "member_id"), hw, text(row, "host"),
               text(row, "client_id"));
    }

    cJSON_Delete(lag);
    UninitConsumer(client);
    return missing;
}
