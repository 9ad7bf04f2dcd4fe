/* xwait-preload.c — measures how long a program waits on the X server, for bench-streaming.
 *
 * Not built by meson; build and use it by hand:
 *
 *   cc -O2 -shared -fPIC -o /tmp/xwait-preload.so tests/bench/xwait-preload.c -ldl
 *   SAM_BENCH_TRACE=1 LD_PRELOAD=/tmp/xwait-preload.so tests/headless-run.sh ... bench-streaming
 *
 * It wraps the libxcb calls through which Xlib waits for a reply (a round trip) and writes
 * requests to the server (which blocks while the server is behind), and adds up the wall time
 * spent in them in sam_xwait_us, which bench-streaming reads with each event it traces.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <sys/uio.h>
#include <time.h>

typedef struct xcb_connection_t    xcb_connection_t;
typedef struct xcb_generic_error_t xcb_generic_error_t;

volatile int64_t sam_xwait_us;

static int64_t
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * (int64_t) 1000000 + ts.tv_nsec / 1000;
}

void *
xcb_wait_for_reply (xcb_connection_t *c, unsigned int request, xcb_generic_error_t **e)
{
  static void *(*real) (xcb_connection_t *, unsigned int, xcb_generic_error_t **);
  int64_t start = now_us ();
  void   *reply;

  if (real == NULL)
    real = dlsym (RTLD_NEXT, "xcb_wait_for_reply");
  reply = real (c, request, e);
  sam_xwait_us += now_us () - start;
  return reply;
}

void *
xcb_wait_for_reply64 (xcb_connection_t *c, uint64_t request, xcb_generic_error_t **e)
{
  static void *(*real) (xcb_connection_t *, uint64_t, xcb_generic_error_t **);
  int64_t start = now_us ();
  void   *reply;

  if (real == NULL)
    real = dlsym (RTLD_NEXT, "xcb_wait_for_reply64");
  reply = real (c, request, e);
  sam_xwait_us += now_us () - start;
  return reply;
}

int
xcb_writev (xcb_connection_t *c, struct iovec *vector, int count, uint64_t requests)
{
  static int (*real) (xcb_connection_t *, struct iovec *, int, uint64_t);
  int64_t start = now_us ();
  int     ret;

  if (real == NULL)
    real = dlsym (RTLD_NEXT, "xcb_writev");
  ret = real (c, vector, count, requests);
  sam_xwait_us += now_us () - start;
  return ret;
}
