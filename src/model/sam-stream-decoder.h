/* sam-stream-decoder.h — one incremental decoder for server-sent events and NDJSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SAM_STREAM_FORMAT_SSE,
  SAM_STREAM_FORMAT_NDJSON,
} SamStreamFormat;

/**
 * SamStreamFrame:
 * @event: (nullable): the SSE `event:` name, or %NULL when the event had none (and for NDJSON)
 * @data: the SSE data lines joined with `\n`, or one NDJSON line; valid UTF-8, nul-terminated
 * @data_len: the length of @data in bytes
 * @id: (nullable): the last SSE event id seen
 * @at_eof: %TRUE when the stream ended inside this event (no blank line or newline after it)
 *
 * One decoded event. The strings belong to the decoder and are valid during the callback only.
 */
typedef struct
{
  const char *event;
  const char *data;
  gsize       data_len;
  const char *id;
  gboolean    at_eof;
} SamStreamFrame;

/**
 * SamStreamFrameFunc:
 * @frame: the event
 * @user_data: the data given to sam_stream_decoder_feed()
 * @error: set it when returning %FALSE because of a failure
 *
 * Returns: %TRUE to go on decoding, %FALSE to stop; no frame follows once it returned %FALSE
 */
typedef gboolean (*SamStreamFrameFunc) (const SamStreamFrame *frame,
                                        gpointer              user_data,
                                        GError              **error);

typedef struct _SamStreamDecoder SamStreamDecoder;

/* The largest line or event accepted; a server that sends more is not a chat server. */
#define SAM_STREAM_DECODER_MAX_EVENT (16 * 1024 * 1024)

SamStreamDecoder *sam_stream_decoder_new (SamStreamFormat format);
void              sam_stream_decoder_free (SamStreamDecoder *self);
SamStreamFormat   sam_stream_decoder_get_format (SamStreamDecoder *self);
gboolean          sam_stream_decoder_feed (SamStreamDecoder  *self,
                                           const char        *data,
                                           gsize              length,
                                           SamStreamFrameFunc func,
                                           gpointer           user_data,
                                           GError           **error);
gboolean          sam_stream_decoder_finish (SamStreamDecoder  *self,
                                             SamStreamFrameFunc func,
                                             gpointer           user_data,
                                             GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamStreamDecoder, sam_stream_decoder_free)

G_END_DECLS
