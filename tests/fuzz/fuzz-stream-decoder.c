/* fuzz-stream-decoder.c — libFuzzer target for the SSE / NDJSON decoder.
 *
 * The first byte picks the format, the second seeds how the rest is cut into reads. Every
 * input is decoded whole and cut up, and the frames must be the same; every frame must be
 * valid UTF-8 of the length it claims. Build with -Dfuzzing=true and clang; `make fuzz`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/sam-stream-decoder.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
log_frame (const SamStreamFrame *frame, gpointer user_data, GError **error)
{
  GString *log = user_data;

  if (!g_utf8_validate (frame->data, frame->data_len, NULL) ||
      strlen (frame->data) != frame->data_len ||
      (frame->event && !g_utf8_validate (frame->event, -1, NULL)))
    abort ();

  g_string_append_printf (log, "%s|%s|%d|%zu:", frame->event ? frame->event : "-",
                          frame->id ? frame->id : "-", frame->at_eof, frame->data_len);
  g_string_append_len (log, frame->data, frame->data_len);
  g_string_append_c (log, '\n');

  return TRUE;
}

static char *
decode (SamStreamFormat format, const uint8_t *data, size_t size, guint seed)
{
  SamStreamDecoder *decoder = sam_stream_decoder_new (format);
  GString          *log = g_string_new (NULL);
  GError           *error = NULL;
  size_t            at = 0;

  while (at < size)
    {
      size_t length = size - at;

      /* seed 0: one read; otherwise short reads of a seeded length. */
      if (seed != 0)
        {
          seed = seed * 1103515245u + 12345u;
          length = MIN (length, 1 + (seed >> 16) % 17);
        }

      if (!sam_stream_decoder_feed (decoder, (const char *) data + at, length, log_frame, log,
                                    &error))
        {
          /* Only the size limit may stop it, and then alike for every cut. */
          g_string_append_printf (log, "stopped: %s\n", error ? error->message : "?");
          g_clear_error (&error);
          break;
        }
      at += length;
    }

  if (at >= size)
    sam_stream_decoder_finish (decoder, log_frame, log, NULL);

  sam_stream_decoder_free (decoder);
  return g_string_free (log, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  SamStreamFormat format;
  guint           seed;
  char           *whole;
  char           *cut;

  if (size < 2)
    return 0;

  format = (data[0] & 1) ? SAM_STREAM_FORMAT_NDJSON : SAM_STREAM_FORMAT_SSE;
  seed = data[1] | 1;
  data += 2;
  size -= 2;

  whole = decode (format, data, size, 0);
  cut = decode (format, data, size, seed);
  if (strcmp (whole, cut) != 0)
    abort ();

  g_free (whole);
  g_free (cut);
  return 0;
}
