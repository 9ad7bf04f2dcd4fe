/* sam-replay-server.c — a SoupServer on 127.0.0.1 that replays recorded responses, split
 * into reads as a test asks, and records what the client sent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sam-replay-server.h"

typedef struct
{
  guint      status;
  char      *headers; /* "Name: value" lines */
  char      *content_type;
  GBytes    *body;   /* a plain response */
  GPtrArray *pieces; /* a chunked one: GBytes, one write each */
  guint      delay_ms;
  gboolean   hang_after; /* no end after the last piece */
  gboolean   hang;       /* never answer at all */
  char      *endless;    /* repeat this piece until the client goes away */
} Response;

typedef struct
{
  SamReplayServer   *server;
  SoupServerMessage *message;
  GPtrArray         *pieces;
  guint              next;
  guint              delay_ms;
  gboolean           hang_after;
  char              *endless;
  guint              source;
} Writer;

struct _SamReplayServer
{
  SoupServer *server;
  char       *url;
  GQueue      responses;
  Response   *last;
  GPtrArray  *requests;
  GPtrArray  *writers;
  GPtrArray  *hanging;
  guint       n_aborted;
};

static void
response_free (Response *response)
{
  g_free (response->headers);
  g_free (response->content_type);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->pieces, g_ptr_array_unref);
  g_free (response->endless);
  g_free (response);
}

static void
request_free (gpointer data)
{
  SamReplayRequest *request = data;

  g_free (request->method);
  g_free (request->path);
  soup_message_headers_unref (request->headers);
  g_bytes_unref (request->body);
  g_free (request);
}

static void
writer_free (gpointer data)
{
  Writer *writer = data;

  if (writer->source)
    g_source_remove (writer->source);
  g_object_unref (writer->message);
  g_clear_pointer (&writer->pieces, g_ptr_array_unref);
  g_free (writer->endless);
  g_free (writer);
}

static void
add_headers (SoupMessageHeaders *headers, const char *text)
{
  g_auto (GStrv) lines = NULL;

  if (text == NULL)
    return;

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char            *colon = strchr (lines[i], ':');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (colon == NULL)
        continue;
      name = g_strstrip (g_strndup (lines[i], colon - lines[i]));
      value = g_strstrip (g_strdup (colon + 1));

      /* libsoup frames the body itself. */
      if (g_ascii_strcasecmp (name, "content-length") == 0 ||
          g_ascii_strcasecmp (name, "transfer-encoding") == 0 ||
          g_ascii_strcasecmp (name, "connection") == 0 ||
          g_ascii_strcasecmp (name, "content-encoding") == 0)
        continue;
      soup_message_headers_append (headers, name, value);
    }
}

static gboolean write_next (gpointer data);

static void
schedule_next (Writer *writer, guint delay_ms)
{
  /* At low priority, so that the client in the same process reads each piece on its own. */
  if (delay_ms == 0)
    writer->source = g_idle_add_full (G_PRIORITY_LOW, write_next, writer, NULL);
  else
    writer->source = g_timeout_add_full (G_PRIORITY_LOW, delay_ms, write_next, writer, NULL);
}

static gboolean
write_next (gpointer data)
{
  Writer          *writer = data;
  SoupMessageBody *body = soup_server_message_get_response_body (writer->message);

  writer->source = 0;

  if (writer->endless)
    {
      soup_message_body_append (body, SOUP_MEMORY_COPY, writer->endless, strlen (writer->endless));
      soup_server_message_unpause (writer->message);
      schedule_next (writer, writer->delay_ms);
      return G_SOURCE_REMOVE;
    }

  if (writer->next < writer->pieces->len)
    {
      GBytes *piece = g_ptr_array_index (writer->pieces, writer->next++);

      soup_message_body_append_bytes (body, piece);
      soup_server_message_unpause (writer->message);
      schedule_next (writer, writer->delay_ms);
      return G_SOURCE_REMOVE;
    }

  if (!writer->hang_after)
    {
      soup_message_body_complete (body);
      soup_server_message_unpause (writer->message);
    }

  return G_SOURCE_REMOVE;
}

static void
handler (SoupServer        *server,
         SoupServerMessage *message,
         const char        *path,
         GHashTable        *query,
         gpointer           data)
{
  SamReplayServer    *self = data;
  SamReplayRequest   *request = g_new0 (SamReplayRequest, 1);
  SoupMessageBody    *request_body = soup_server_message_get_request_body (message);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
  GUri               *uri = soup_server_message_get_uri (message);
  Response           *response;

  request->method = g_strdup (soup_server_message_get_method (message));
  request->path = g_uri_get_query (uri)
                      ? g_strconcat (g_uri_get_path (uri), "?", g_uri_get_query (uri), NULL)
                      : g_strdup (g_uri_get_path (uri));
  request->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  {
    SoupMessageHeadersIter iter;
    const char            *name;
    const char            *value;

    soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (message));
    while (soup_message_headers_iter_next (&iter, &name, &value))
      soup_message_headers_append (request->headers, name, value);
  }
  request->body = soup_message_body_flatten (request_body);
  request->time_us = g_get_monotonic_time ();
  g_ptr_array_add (self->requests, request);

  if (!g_queue_is_empty (&self->responses))
    {
      g_clear_pointer (&self->last, response_free);
      self->last = g_queue_pop_head (&self->responses);
    }
  response = self->last;
  g_assert_nonnull (response);

  if (response->hang)
    {
      soup_server_message_pause (message);
      g_ptr_array_add (self->hanging, g_object_ref (message));
      return;
    }

  soup_server_message_set_status (message, response->status, NULL);
  add_headers (headers, response->headers);

  if (response->body)
    {
      gsize         size;
      gconstpointer bytes = g_bytes_get_data (response->body, &size);

      soup_server_message_set_response (message, response->content_type, SOUP_MEMORY_COPY, bytes,
                                        size);
      return;
    }

  {
    Writer *writer = g_new0 (Writer, 1);

    soup_message_headers_set_content_type (headers, response->content_type, NULL);
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
    writer->server = self;
    writer->message = g_object_ref (message);
    writer->pieces = response->pieces ? g_ptr_array_ref (response->pieces) : NULL;
    writer->delay_ms = response->delay_ms;
    writer->hang_after = response->hang_after;
    writer->endless = g_strdup (response->endless);
    g_ptr_array_add (self->writers, writer);

    soup_server_message_pause (message);
    schedule_next (writer, 0);
  }
}

static void
request_aborted_cb (SoupServer *server, SoupServerMessage *message, gpointer data)
{
  SamReplayServer *self = data;

  self->n_aborted++;
  for (guint i = 0; i < self->writers->len; i++)
    {
      Writer *writer = g_ptr_array_index (self->writers, i);

      if (writer->message == message && writer->source)
        {
          g_source_remove (writer->source);
          writer->source = 0;
        }
    }
}

SamReplayServer *
sam_replay_server_new (GTlsCertificate *certificate)
{
  SamReplayServer *self = g_new0 (SamReplayServer, 1);
  g_autoptr (GError) error = NULL;
  GSList *uris;
  guint   port;

  self->server = soup_server_new ("tls-certificate", certificate, NULL);
  self->requests = g_ptr_array_new_with_free_func (request_free);
  self->writers = g_ptr_array_new_with_free_func (writer_free);
  self->hanging = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->responses);

  soup_server_add_handler (self->server, NULL, handler, self, NULL);
  g_signal_connect (self->server, "request-aborted", G_CALLBACK (request_aborted_cb), self);

  soup_server_listen_local (
      self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | (certificate ? SOUP_SERVER_LISTEN_HTTPS : 0),
      &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (self->server);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->url = g_strdup_printf ("%s://127.0.0.1:%u", certificate ? "https" : "http", port);

  return self;
}

void
sam_replay_server_free (SamReplayServer *self)
{
  if (self == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->server, self);
  for (guint i = 0; i < self->writers->len; i++)
    {
      Writer *writer = g_ptr_array_index (self->writers, i);

      if (writer->source)
        {
          g_source_remove (writer->source);
          writer->source = 0;
        }
    }
  soup_server_disconnect (self->server);
  g_ptr_array_unref (self->writers);
  g_ptr_array_unref (self->hanging);
  g_object_unref (self->server);
  g_ptr_array_unref (self->requests);
  g_queue_clear_full (&self->responses, (GDestroyNotify) response_free);
  g_clear_pointer (&self->last, response_free);
  g_free (self->url);
  g_free (self);
}

/* "http://127.0.0.1:PORT", without a trailing slash. */
const char *
sam_replay_server_get_url (SamReplayServer *self)
{
  return self->url;
}

static void
queue (SamReplayServer *self, Response *response)
{
  g_queue_push_tail (&self->responses, response);
}

/* A 200 streamed as chunks: whole, one byte per write, or cut at seeded random offsets. */
void
sam_replay_server_queue_stream (SamReplayServer *self,
                                const char      *content_type,
                                GBytes          *body,
                                SamReplaySplit   split,
                                guint32          seed)
{
  g_autoptr (GPtrArray) pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize size = g_bytes_get_size (body);

  if (split == SAM_REPLAY_WHOLE)
    g_ptr_array_add (pieces, g_bytes_ref (body));
  else if (split == SAM_REPLAY_BYTEWISE)
    for (gsize i = 0; i < size; i++)
      g_ptr_array_add (pieces, g_bytes_new_from_bytes (body, i, 1));
  else
    {
      g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
      gsize at = 0;

      while (at < size)
        {
          gsize wanted = (gsize) g_rand_int_range (rand, 1, 64);
          gsize length = MIN (size - at, wanted);

          g_ptr_array_add (pieces, g_bytes_new_from_bytes (body, at, length));
          at += length;
        }
    }

  sam_replay_server_queue_pieces (self, content_type, pieces, 0, FALSE);
}

void
sam_replay_server_queue_pieces (SamReplayServer *self,
                                const char      *content_type,
                                GPtrArray       *pieces,
                                guint            delay_ms,
                                gboolean         hang_after)
{
  Response *response = g_new0 (Response, 1);

  response->status = SOUP_STATUS_OK;
  response->content_type = g_strdup (content_type);
  response->pieces = g_ptr_array_ref (pieces);
  response->delay_ms = delay_ms;
  response->hang_after = hang_after;
  queue (self, response);
}

/* A plain response; @headers holds "Name: value" lines. */
void
sam_replay_server_queue_response (SamReplayServer *self,
                                  guint            status,
                                  const char      *headers,
                                  const char      *content_type,
                                  GBytes          *body)
{
  Response *response = g_new0 (Response, 1);

  response->status = status;
  response->headers = g_strdup (headers);
  response->content_type = g_strdup (content_type);
  response->body = g_bytes_ref (body);
  queue (self, response);
}

/* A response from a recorded .headers file: the status line, then the headers. */
void
sam_replay_server_queue_recorded (SamReplayServer *self, const char *recorded_headers, GBytes *body)
{
  const char      *eol = strchr (recorded_headers, '\n');
  guint            status = 0;
  g_autofree char *content_type = NULL;
  g_auto (GStrv) words = g_strsplit (recorded_headers, " ", 3);
  SoupMessageHeaders *parsed = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);

  g_assert_nonnull (eol);
  status = (guint) g_ascii_strtoull (words[1], NULL, 10);
  g_assert_cmpuint (status, >=, 100);

  add_headers (parsed, eol + 1);
  content_type = g_strdup (soup_message_headers_get_one (parsed, "content-type"));
  soup_message_headers_unref (parsed);

  sam_replay_server_queue_response (self, status, eol + 1, content_type, body);
}

/* Accepts the request and never answers. */
void
sam_replay_server_queue_hang (SamReplayServer *self)
{
  Response *response = g_new0 (Response, 1);

  response->hang = TRUE;
  queue (self, response);
}

/* A 200 that sends @piece every @interval_ms for as long as the client listens. */
void
sam_replay_server_queue_endless (SamReplayServer *self,
                                 const char      *content_type,
                                 const char      *piece,
                                 guint            interval_ms)
{
  Response *response = g_new0 (Response, 1);

  response->status = SOUP_STATUS_OK;
  response->content_type = g_strdup (content_type);
  response->endless = g_strdup (piece);
  response->delay_ms = interval_ms;
  queue (self, response);
}

guint
sam_replay_server_get_n_requests (SamReplayServer *self)
{
  return self->requests->len;
}

const SamReplayRequest *
sam_replay_server_get_request (SamReplayServer *self, guint index)
{
  g_assert_cmpuint (index, <, self->requests->len);

  return g_ptr_array_index (self->requests, index);
}

/* How many responses the client walked away from before they ended. */
guint
sam_replay_server_get_n_aborted (SamReplayServer *self)
{
  return self->n_aborted;
}

static gboolean
timed_out_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
sam_replay_server_wait_aborted (SamReplayServer *self, guint count, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint    source = g_timeout_add (timeout_ms, timed_out_cb, &timed_out);

  while (self->n_aborted < count && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (source);

  return self->n_aborted >= count;
}
