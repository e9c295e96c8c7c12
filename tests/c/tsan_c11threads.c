/* C11 threads over pthreads, linked into ThreadSanitizer test programs
 * only (tests/c/tsan.sh). librdkafka uses glibc's thrd_create, mtx_lock,
 * cnd_wait...; neither Rust's TSan runtime nor GCC 12's intercepts them,
 * so its threads would start unknown to TSan (a crash in
 * __tsan_func_entry) and its locks would be invisible (every lock-guarded
 * access a "race"). Defined in the executable, these replace glibc's for
 * the whole process, and the pthread calls they make are intercepted.
 * glibc's mtx_t, cnd_t, once_flag and thrd_t have pthread's layouts. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

struct start {
    thrd_start_t func;
    void *arg;
};

static void *trampoline(void *p) {
    struct start s = *(struct start *)p;
    free(p);
    return (void *)(intptr_t)s.func(s.arg);
}

static int result(int rc) {
    return rc == 0 ? thrd_success : rc == ETIMEDOUT ? thrd_timedout : rc == ENOMEM ? thrd_nomem : thrd_error;
}

int thrd_create(thrd_t *thr, thrd_start_t func, void *arg) {
    struct start *s = malloc(sizeof *s);
    if (!s) return thrd_nomem;
    s->func = func;
    s->arg = arg;
    int rc = pthread_create(thr, NULL, trampoline, s);
    if (rc != 0) free(s);
    return rc == EAGAIN ? thrd_nomem : result(rc);
}

int thrd_join(thrd_t thr, int *res) {
    void *r;
    int rc = pthread_join(thr, &r);
    if (rc == 0 && res) *res = (int)(intptr_t)r;
    return result(rc);
}

thrd_t thrd_current(void) { return pthread_self(); }

int mtx_init(mtx_t *m, int type) {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    if (type & mtx_recursive) pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    int rc = pthread_mutex_init((pthread_mutex_t *)m, &a);
    pthread_mutexattr_destroy(&a);
    return result(rc);
}

void mtx_destroy(mtx_t *m) { pthread_mutex_destroy((pthread_mutex_t *)m); }
int mtx_lock(mtx_t *m) { return result(pthread_mutex_lock((pthread_mutex_t *)m)); }
int mtx_unlock(mtx_t *m) { return result(pthread_mutex_unlock((pthread_mutex_t *)m)); }

int cnd_init(cnd_t *c) { return result(pthread_cond_init((pthread_cond_t *)c, NULL)); }
void cnd_destroy(cnd_t *c) { pthread_cond_destroy((pthread_cond_t *)c); }
int cnd_signal(cnd_t *c) { return result(pthread_cond_signal((pthread_cond_t *)c)); }
int cnd_broadcast(cnd_t *c) { return result(pthread_cond_broadcast((pthread_cond_t *)c)); }
int cnd_wait(cnd_t *c, mtx_t *m) { return result(pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m)); }

int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict t) {
    return result(pthread_cond_timedwait((pthread_cond_t *)c, (pthread_mutex_t *)m, t));
}

void call_once(once_flag *flag, void (*func)(void)) { pthread_once((pthread_once_t *)flag, func); }
