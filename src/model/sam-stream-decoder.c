/* sam-stream-decoder.c — one incremental decoder for server-sent events and NDJSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sam-model-error.h"
#include "sam-stream-decoder.h"

/* Network reads split the stream anywhere: inside a line, between the CR and LF of a pair,
 * inside a UTF-8 character. So bytes are buffered until a whole line is there, lines end at
 * CR, LF or CRLF (WHATWG "event stream interpretation"), and text is checked as UTF-8 only
 * once a whole event is complete. */
struct _SamStreamDecoder
{
  SamStreamFormat format;

  GString *line;  /* the unfinished last line of the previous reads */
  GString *data;  /* SSE: data lines of the event being read, each followed by \n */
  GString *event; /* SSE: its event: name */
  GString *id;    /* SSE: the last event id, kept across events */
  GString *error; /* SSE: the legacy llama.cpp "error:" field */

  guint skip_lf : 1;    /* the previous read ended with CR: a leading LF belongs to it */
  guint first_line : 1; /* a byte order mark may start the stream */
  guint has_event : 1;
  guint has_id : 1;
  guint stopped : 1; /* the callback said stop, or the stream broke a limit */
  guint finishing : 1;
};

SamStreamDecoder *
sam_stream_decoder_new (SamStreamFormat format)
{
  SamStreamDecoder *self = g_new0 (SamStreamDecoder, 1);

  self->format = format;
  self->line = g_string_new (NULL);
  self->data = g_string_new (NULL);
  self->event = g_string_new (NULL);
  self->id = g_string_new (NULL);
  self->error = g_string_new (NULL);
  self->first_line = TRUE;

  return self;
}

void
sam_stream_decoder_free (SamStreamDecoder *self)
{
  if (self == NULL)
    return;

  g_string_free (self->line, TRUE);
  g_string_free (self->data, TRUE);
  g_string_free (self->event, TRUE);
  g_string_free (self->id, TRUE);
  g_string_free (self->error, TRUE);
  g_free (self);
}

SamStreamFormat
sam_stream_decoder_get_format (SamStreamDecoder *self)
{
  return self->format;
}

static gboolean
too_large (SamStreamDecoder *self, GError **error)
{
  self->stopped = TRUE;
  g_set_error (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_RESPONSE,
               _ ("The server sent a single event larger than %u MiB, so the reply was stopped."),
               SAM_STREAM_DECODER_MAX_EVENT / (1024 * 1024));
  return FALSE;
}

/* Replaces invalid UTF-8 by U+FFFD in place: a broken server gets garbage shown, never a
 * crash in the JSON parser. */
static void
make_valid (GString *string)
{
  const char *end;

  if (!g_utf8_validate_len (string->str, string->len, &end))
    {
      g_autofree char *valid = g_utf8_make_valid (string->str, string->len);

      g_string_assign (string, valid);
    }
}

static gboolean
dispatch (SamStreamDecoder  *self,
          GString           *data,
          const char        *event,
          SamStreamFrameFunc func,
          gpointer           user_data,
          GError           **error)
{
  SamStreamFrame frame;

  make_valid (data);

  frame.event = event;
  frame.data = data->str;
  frame.data_len = data->len;
  frame.id = self->has_id ? self->id->str : NULL;
  frame.at_eof = self->finishing;

  if (!func (&frame, user_data, error))
    {
      self->stopped = TRUE;
      return FALSE;
    }

  return TRUE;
}

static gboolean
sse_dispatch (SamStreamDecoder *self, SamStreamFrameFunc func, gpointer user_data, GError **error)
{
  gboolean    ok = TRUE;
  const char *event = NULL;

  if (self->has_event)
    {
      make_valid (self->event);
      event = self->event->str;
    }

  if (self->data->len > 0)
    {
      /* The data lines are joined with \n: drop the one after the last line. */
      g_string_truncate (self->data, self->data->len - 1);
      ok = dispatch (self, self->data, event, func, user_data, error);
    }
  else if (self->error->len > 0)
    {
      g_string_truncate (self->error, self->error->len - 1);
      ok = dispatch (self, self->error, "error", func, user_data, error);
    }

  g_string_truncate (self->data, 0);
  g_string_truncate (self->error, 0);
  g_string_truncate (self->event, 0);
  self->has_event = FALSE;

  return ok;
}

#define FIELD_IS(name) (name_len == sizeof (name) - 1 && memcmp (line, name, name_len) == 0)

static gboolean
sse_line (SamStreamDecoder  *self,
          const char        *line,
          gsize              length,
          SamStreamFrameFunc func,
          gpointer           user_data,
          GError           **error)
{
  const char *colon;
  const char *value;
  gsize       name_len;
  gsize       value_len;

  if (length == 0)
    return sse_dispatch (self, func, user_data, error);

  /* A comment, such as ": OPENROUTER PROCESSING" or ": ping". */
  if (line[0] == ':')
    return TRUE;

  if ((colon = memchr (line, ':', length)))
    {
      name_len = colon - line;
      value = colon + 1;
      value_len = length - name_len - 1;
      if (value_len > 0 && value[0] == ' ')
        {
          value++;
          value_len--;
        }
    }
  else
    {
      name_len = length;
      value = line + length;
      value_len = 0;
    }

  if (FIELD_IS ("data"))
    {
      if (self->data->len + value_len + 1 > SAM_STREAM_DECODER_MAX_EVENT)
        return too_large (self, error);
      g_string_append_len (self->data, value, value_len);
      g_string_append_c (self->data, '\n');
    }
  else if (FIELD_IS ("event"))
    {
      g_string_truncate (self->event, 0);
      g_string_append_len (self->event, value, value_len);
      self->has_event = TRUE;
    }
  else if (FIELD_IS ("id"))
    {
      if (memchr (value, '\0', value_len) == NULL)
        {
          g_string_truncate (self->id, 0);
          g_string_append_len (self->id, value, value_len);
          self->has_id = TRUE;
        }
    }
  else if (FIELD_IS ("error"))
    {
      /* Older llama.cpp servers sent "error: {...}" instead of a data line. */
      if (self->error->len + value_len + 1 > SAM_STREAM_DECODER_MAX_EVENT)
        return too_large (self, error);
      g_string_append_len (self->error, value, value_len);
      g_string_append_c (self->error, '\n');
    }
  /* "retry" and unknown fields are ignored, as the standard says. */

  return TRUE;
}

#undef FIELD_IS

static gboolean
ndjson_line (SamStreamDecoder  *self,
             const char        *line,
             gsize              length,
             SamStreamFrameFunc func,
             gpointer           user_data,
             GError           **error)
{
  while (length > 0 && g_ascii_isspace (line[0]))
    {
      line++;
      length--;
    }
  while (length > 0 && g_ascii_isspace (line[length - 1]))
    length--;

  if (length == 0)
    return TRUE;
  if (length > SAM_STREAM_DECODER_MAX_EVENT)
    return too_large (self, error);

  g_string_truncate (self->data, 0);
  g_string_append_len (self->data, line, length);

  return dispatch (self, self->data, NULL, func, user_data, error);
}

static gboolean
handle_line (SamStreamDecoder  *self,
             const char        *line,
             gsize              length,
             SamStreamFrameFunc func,
             gpointer           user_data,
             GError           **error)
{
  if (self->first_line)
    {
      self->first_line = FALSE;
      if (length >= 3 && memcmp (line, "\xEF\xBB\xBF", 3) == 0)
        {
          line += 3;
          length -= 3;
        }
    }

  if (self->format == SAM_STREAM_FORMAT_SSE)
    return sse_line (self, line, length, func, user_data, error);
  else
    return ndjson_line (self, line, length, func, user_data, error);
}

/**
 * sam_stream_decoder_feed:
 * @self: a #SamStreamDecoder
 * @data: the bytes of one read, split anywhere
 * @length: how many
 * @func: called for each complete event, in order
 * @user_data: for @func
 * @error: a #SAM_MODEL_ERROR, or what @func set
 *
 * Returns: %FALSE when @func stopped decoding or the stream broke a size limit
 */
gboolean
sam_stream_decoder_feed (SamStreamDecoder  *self,
                         const char        *data,
                         gsize              length,
                         SamStreamFrameFunc func,
                         gpointer           user_data,
                         GError           **error)
{
  const char *p = data;
  const char *end = data + length;
  const char *next_lf = NULL;
  const char *next_cr = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (self->stopped)
    return FALSE;

  if (self->skip_lf && p < end)
    {
      if (*p == '\n')
        p++;
      self->skip_lf = FALSE;
    }

  while (p < end)
    {
      const char *eol;

      /* Both positions are remembered until passed, so each byte is scanned at most once
       * for each character: a stream of CR-only lines does not rescan the read for LF. */
      if (next_lf == NULL || next_lf < p)
        {
          next_lf = memchr (p, '\n', end - p);
          if (next_lf == NULL)
            next_lf = end;
        }
      if (next_cr == NULL || next_cr < p)
        {
          next_cr = memchr (p, '\r', end - p);
          if (next_cr == NULL)
            next_cr = end;
        }

      eol = MIN (next_lf, next_cr);

      if (eol == end)
        {
          if (self->line->len + (end - p) > SAM_STREAM_DECODER_MAX_EVENT)
            return too_large (self, error);
          g_string_append_len (self->line, p, end - p);
          break;
        }

      if (self->line->len > 0)
        {
          gboolean ok;

          if (self->line->len + (eol - p) > SAM_STREAM_DECODER_MAX_EVENT)
            return too_large (self, error);
          g_string_append_len (self->line, p, eol - p);
          ok = handle_line (self, self->line->str, self->line->len, func, user_data, error);
          g_string_truncate (self->line, 0);
          if (!ok)
            return FALSE;
        }
      else if ((gsize) (eol - p) > SAM_STREAM_DECODER_MAX_EVENT)
        return too_large (self, error);
      else if (!handle_line (self, p, eol - p, func, user_data, error))
        return FALSE;

      if (*eol == '\r')
        {
          if (eol + 1 == end)
            self->skip_lf = TRUE;
          else if (eol[1] == '\n')
            eol++;
        }

      p = eol + 1;
    }

  return TRUE;
}

/**
 * sam_stream_decoder_finish:
 * @self: a #SamStreamDecoder
 * @func: called for an event the stream ended inside, with `at_eof` set
 * @user_data: for @func
 * @error: what @func set
 *
 * Ends the stream. A strict SSE parser drops an event that no blank line ended; servers that
 * omit the last newline (llama.cpp after `data: [DONE]`) are common, so it is delivered, marked
 * `at_eof`, and the caller decides what an unfinished event means.
 *
 * Returns: %FALSE when @func stopped decoding
 */
gboolean
sam_stream_decoder_finish (SamStreamDecoder  *self,
                           SamStreamFrameFunc func,
                           gpointer           user_data,
                           GError           **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->stopped)
    return FALSE;

  self->finishing = TRUE;

  if (self->line->len > 0)
    {
      g_autoptr (GString) line = g_string_new_len (self->line->str, self->line->len);

      g_string_truncate (self->line, 0);
      ok = handle_line (self, line->str, line->len, func, user_data, error);
    }

  if (ok && self->format == SAM_STREAM_FORMAT_SSE)
    ok = sse_dispatch (self, func, user_data, error);

  self->stopped = TRUE;

  return ok;
}
