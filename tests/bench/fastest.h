/* The micro-benches' clock: each figure is the fastest of ROUNDS rounds of ITERS calls,
 * in this thread's CPU time, because the machine's cores are shared and wall time would
 * measure the neighbours. A bench defines ITERS and ROUNDS before including this. */
#ifndef CS_BENCH_FASTEST_H
#define CS_BENCH_FASTEST_H

#include <time.h>

static inline double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

#define TIME(var, body)                                                                            \
    do {                                                                                           \
        var = 1e30;                                                                                \
        for (int r_ = 0; r_ < ROUNDS; r_++) {                                                      \
            double t_ = now_us();                                                                  \
            for (int i = 0; i < ITERS; i++) {                                                      \
                body;                                                                              \
            }                                                                                      \
            t_ = (now_us() - t_) / ITERS;                                                          \
            if (t_ < var) var = t_;                                                                \
        }                                                                                          \
    } while (0)

#endif
