/* bench-stream-decoder.c — the SSE and NDJSON decoder's throughput on a large recorded
 * stream, against memchr over the same bytes.
 *
 * Usage: bench-stream-decoder FIXTURES_DIR   (tests/fixtures/wire)
 * Prints MB/s and the ratio to memchr; exits 1 below the 300 MB/s budget.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "model/sam-stream-decoder.h"

#define TARGET_SIZE (64 * 1024 * 1024)
#define READ_SIZE   16384
#define RUNS        5
#define BUDGET_MB_S 300.0

static void
append_fixtures (GByteArray *stream, const char *dir, const char *suffix)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)))
    if (g_str_has_suffix (name, suffix))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      g_autofree char *contents = NULL;
      gsize            length;

      if (g_file_get_contents (path, &contents, &length, NULL))
        {
          g_byte_array_append (stream, (guint8 *) contents, length);
          /* Files that end without a blank line must not run into the next one. */
          g_byte_array_append (stream, (guint8 *) "\n\n", 2);
        }
    }
}

/* The recorded streams, repeated to TARGET_SIZE. */
static GBytes *
large_stream (const char *fixtures, const char *suffix)
{
  g_autoptr (GByteArray) once = g_byte_array_new ();
  g_autofree char *edge = g_build_filename (fixtures, "edge", NULL);
  GByteArray      *stream = g_byte_array_sized_new (TARGET_SIZE + 65536);

  append_fixtures (once, fixtures, suffix);
  append_fixtures (once, edge, suffix);
  g_assert_cmpuint (once->len, >, 0);

  while (stream->len < TARGET_SIZE)
    g_byte_array_append (stream, once->data, once->len);

  return g_byte_array_free_to_bytes (stream);
}

static gboolean
count_frame (const SamStreamFrame *frame, gpointer user_data, GError **error)
{
  guint64 *count = user_data;

  /* Touch the data, as a provider would before parsing it. */
  *count += frame->data_len + (guint8) frame->data[0];
  return TRUE;
}

static double
time_decoder (GBytes *bytes, SamStreamFormat format, guint64 *frames)
{
  gsize       size;
  const char *data = g_bytes_get_data (bytes, &size);
  double      best = G_MAXDOUBLE;

  for (guint run = 0; run < RUNS; run++)
    {
      g_autoptr (SamStreamDecoder) decoder = sam_stream_decoder_new (format);
      g_autoptr (GError) error = NULL;
      gint64 start = g_get_monotonic_time ();

      *frames = 0;
      for (gsize at = 0; at < size; at += READ_SIZE)
        if (!sam_stream_decoder_feed (decoder, data + at, MIN (READ_SIZE, size - at), count_frame,
                                      frames, &error))
          g_error ("decoding failed: %s", error ? error->message : "stopped");
      sam_stream_decoder_finish (decoder, count_frame, frames, NULL);

      best = MIN (best, (g_get_monotonic_time () - start) / 1e6);
    }

  return best;
}

static double
time_memchr (GBytes *bytes, guint64 *lines)
{
  gsize       size;
  const char *data = g_bytes_get_data (bytes, &size);
  double      best = G_MAXDOUBLE;

  for (guint run = 0; run < RUNS; run++)
    {
      gint64 start = g_get_monotonic_time ();

      *lines = 0;
      for (gsize at = 0; at < size; at += READ_SIZE)
        {
          const char *p = data + at;
          const char *end = data + MIN (at + READ_SIZE, size);

          while ((p = memchr (p, '\n', end - p)))
            {
              (*lines)++;
              p++;
            }
        }

      best = MIN (best, (g_get_monotonic_time () - start) / 1e6);
    }

  return best;
}

static gboolean
bench (const char *fixtures, const char *label, const char *suffix, SamStreamFormat format)
{
  g_autoptr (GBytes) bytes = large_stream (fixtures, suffix);
  double  mb = g_bytes_get_size (bytes) / 1e6;
  guint64 frames = 0;
  guint64 lines = 0;
  double  decoder = time_decoder (bytes, format, &frames);
  double  baseline = time_memchr (bytes, &lines);

  g_assert_cmpuint (frames, >, 0);
  g_assert_cmpuint (lines, >, 0);

  g_print ("stream decoder (%s, %.0f MB in %u-byte reads): %.0f MB/s, memchr %.0f MB/s, "
           "ratio %.3f (budget %.0f MB/s)\n",
           label, mb, READ_SIZE, mb / decoder, mb / baseline, baseline / decoder, BUDGET_MB_S);

  return mb / decoder >= BUDGET_MB_S;
}

int
main (int argc, char *argv[])
{
  gboolean ok = TRUE;

  if (argc != 2)
    {
      g_printerr ("Usage: %s FIXTURES_DIR\n", argv[0]);
      return 2;
    }

  ok &= bench (argv[1], "SSE", ".sse", SAM_STREAM_FORMAT_SSE);
  ok &= bench (argv[1], "NDJSON", ".ndjson", SAM_STREAM_FORMAT_NDJSON);

  return ok ? 0 : 1;
}
