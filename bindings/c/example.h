/*
 * What the admin examples (topics, metadata, group_lag) share: finding a
 * cluster, opening a client handle, asking for a JSON result, stopping with
 * the library's text. The helpers are `static inline` so that an example
 * that does not use one of them still builds with -Werror.
 *
 * The JSON results are parsed with cJSON (Debian: libcjson-dev); any JSON
 * library does. cJSON keeps numbers as doubles, exact for offsets below 2^53.
 */
#ifndef EXAMPLE_H
#define EXAMPLE_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "kafka.h"

/* Admin requests wait this long for the brokers. */
#define TIMEOUT_MS 15000

static inline void die(const char *what, int status, const char *text)
{
    fprintf(stderr, "%s failed with status %d: %s\n", what, status, text ? text : "");
    exit(1);
}

/*
 * The bootstrap servers: `arg` when given, else KAFKA_BOOTSTRAP, else an
 * embedded mock cluster of `brokers` brokers, whose handle goes to *mock
 * (NULL otherwise) so that the caller can add topics and destroy it.
 */
static inline const char *find_cluster(const char *arg, int32_t brokers, void **mock)
{
    static char bootstrap[256];
    const char *env = getenv("KAFKA_BOOTSTRAP");
    *mock = NULL;
    if (arg && *arg)
        return arg;
    if (env && *env)
        return env;
    int32_t len = sizeof bootstrap;
    int rc = NewMockCluster(brokers, mock, bootstrap, &len);
    if (rc != 0)
        die("NewMockCluster", rc, bootstrap);
    fprintf(stderr, "no bootstrap given and KAFKA_BOOTSTRAP unset: using an embedded mock cluster at %s\n",
            bootstrap);
    return bootstrap;
}

/* A client handle for admin calls; release it with UninitConsumer. */
static inline void *new_client(const char *bootstrap)
{
    void *client = NULL;
    char err[512];
    int len = sizeof err;
    InitKafka(&client);
    int rc = SetKafkaConf(client, "bootstrap.servers", bootstrap, err, &len);
    if (rc != 0)
        die("SetKafkaConf", rc, err);
    return client;
}

/* Metadata, DescribeGroup and GroupLag: a name in, JSON out. */
typedef int (*json_query)(void *kafka, const char *name, int32_t timeout_ms, char *result, int32_t *resultlen,
                          char *errtxt, int *plen);

/*
 * Asks `query` about `name` and parses the answer (free it with
 * cJSON_Delete). The buffer starts small and grows to the size the
 * library asks for (status KAFKA_ERR_TOO_SMALL), as a C caller would.
 */
static inline cJSON *ask(const char *what, json_query query, void *client, const char *name)
{
    char err[512];
    int32_t size = 4096;
    char *json = NULL;
    int rc;
    do {
        json = realloc(json, size); /* size: the capacity, or the size needed after a retry */
        int len = sizeof err;
        rc = query(client, name, TIMEOUT_MS, json, &size, err, &len);
    } while (rc == KAFKA_ERR_TOO_SMALL);
    if (rc != 0)
        die(what, rc, err);
    cJSON *result = cJSON_Parse(json);
    free(json);
    return result;
}

/* A JSON number as an int64 offset or id (null: -1, shown as "-"). */
static inline long long number(const cJSON *object, const char *field)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, field);
    return cJSON_IsNumber(item) ? (long long)item->valuedouble : -1;
}

/* A JSON string field, or "-" when it is null. */
static inline const char *text(const cJSON *object, const char *field)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, field));
    return s ? s : "-";
}

/* Prints a JSON array of broker ids as Kafka's tools do: 1,2,3. */
static inline void print_ids(const cJSON *ids)
{
    const cJSON *id;
    const char *sep = "";
    cJSON_ArrayForEach(id, ids) {
        printf("%s%d", sep, id->valueint);
        sep = ",";
    }
}

#endif
