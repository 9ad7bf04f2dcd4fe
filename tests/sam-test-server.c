/* sam-test-server.c — a real HTTP server on 127.0.0.1 that streams chat replies, for tests.
 *
 * It answers POST /v1/chat/completions the way an OpenAI-compatible server does: a 200
 * text/event-stream of chunks, one write per chunk with a delay between them, then a finish
 * chunk and [DONE]. It counts the requests, keeps the last body, and notices when a client
 * goes away before the end (a stopped reply).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include "sam-test-server.h"

struct _SamTestServer
{
  SoupServer *server;
  char       *base_url;
  GStrv       chunks;
  guint       delay_ms;
  guint       error_status;
  char       *error_body;
  guint       n_requests;
  char       *last_request;
  guint       n_disconnected;
};

typedef struct
{
  SamTestServer     *server;
  SoupServerMessage *message;
  guint              next;
  guint              timeout_id;
  gboolean           done;
} Stream;

static char *
chunk_json (const char *content, const char *finish_reason)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, "chatcmpl-test");
  json_builder_set_member_name (builder, "object");
  json_builder_add_string_value (builder, "chat.completion.chunk");
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, "test-model");
  json_builder_set_member_name (builder, "choices");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "index");
  json_builder_add_int_value (builder, 0);
  json_builder_set_member_name (builder, "delta");
  json_builder_begin_object (builder);
  if (content != NULL)
    {
      json_builder_set_member_name (builder, "content");
      json_builder_add_string_value (builder, content);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "finish_reason");
  if (finish_reason)
    json_builder_add_string_value (builder, finish_reason);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
append_event (SoupServerMessage *message, const char *data)
{
  g_autofree char *event = g_strdup_printf ("data: %s\n\n", data);

  soup_message_body_append (soup_server_message_get_response_body (message), SOUP_MEMORY_COPY,
                            event, strlen (event));
}

static void
stream_free (Stream *stream)
{
  g_clear_handle_id (&stream->timeout_id, g_source_remove);
  g_object_unref (stream->message);
  g_free (stream);
}

static gboolean
stream_next_cb (gpointer data)
{
  Stream        *stream = data;
  SamTestServer *self = stream->server;

  stream->timeout_id = 0;

  if (self->chunks != NULL && self->chunks[stream->next] != NULL)
    {
      g_autofree char *json = chunk_json (self->chunks[stream->next++], NULL);

      append_event (stream->message, json);
      stream->timeout_id = g_timeout_add (MAX (self->delay_ms, 1), stream_next_cb, stream);
    }
  else
    {
      g_autofree char *json = chunk_json (NULL, "stop");

      append_event (stream->message, json);
      append_event (stream->message, "[DONE]");
      soup_message_body_complete (soup_server_message_get_response_body (stream->message));
      stream->done = TRUE;
    }

  soup_server_message_unpause (stream->message);
  return G_SOURCE_REMOVE;
}

static void
stream_finished_cb (SoupServerMessage *message, Stream *stream)
{
  if (!stream->done)
    stream->server->n_disconnected++;

  g_signal_handlers_disconnect_by_data (message, stream);
  stream_free (stream);
}

static void
handle_chat (SoupServer        *server,
             SoupServerMessage *message,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  SamTestServer   *self = user_data;
  SoupMessageBody *request = soup_server_message_get_request_body (message);
  g_autoptr (GBytes) body = soup_message_body_flatten (request);
  Stream *stream;

  self->n_requests++;
  g_free (self->last_request);
  self->last_request = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  if (self->error_status != 0)
    {
      soup_server_message_set_status (message, self->error_status, NULL);
      soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY,
                                        self->error_body, strlen (self->error_body));
      return;
    }

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (message),
                                         "text/event-stream", NULL);
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (message),
                                     SOUP_ENCODING_CHUNKED);

  stream = g_new0 (Stream, 1);
  stream->server = self;
  stream->message = g_object_ref (message);
  g_signal_connect (message, "finished", G_CALLBACK (stream_finished_cb), stream);

  soup_server_message_pause (message);
  stream->timeout_id = g_timeout_add (MAX (self->delay_ms, 1), stream_next_cb, stream);
}

SamTestServer *
sam_test_server_new (void)
{
  g_autoptr (GError) error = NULL;
  SamTestServer   *self = g_new0 (SamTestServer, 1);
  GSList          *uris;
  g_autofree char *uri = NULL;

  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, "/v1/chat/completions", handle_chat, self, NULL);
  soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (self->server);
  uri = g_uri_to_string (uris->data);
  self->base_url = g_strdup_printf ("%sv1", uri);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return self;
}

void
sam_test_server_free (SamTestServer *self)
{
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_free (self->base_url);
  g_strfreev (self->chunks);
  g_free (self->error_body);
  g_free (self->last_request);
  g_free (self);
}

const char *
sam_test_server_get_base_url (SamTestServer *self)
{
  return self->base_url;
}

/* The next replies stream these chunks, @delay_ms apart. */
void
sam_test_server_set_reply (SamTestServer *self, const char *const *chunks, guint delay_ms)
{
  g_strfreev (self->chunks);
  self->chunks = g_strdupv ((char **) chunks);
  self->delay_ms = delay_ms;
  self->error_status = 0;
}

/* The next replies fail at once with @status and the JSON @body. */
void
sam_test_server_set_error (SamTestServer *self, guint status, const char *body)
{
  self->error_status = status;
  g_free (self->error_body);
  self->error_body = g_strdup (body);
}

guint
sam_test_server_get_n_requests (SamTestServer *self)
{
  return self->n_requests;
}

const char *
sam_test_server_get_last_request (SamTestServer *self)
{
  return self->last_request;
}

guint
sam_test_server_get_n_disconnected (SamTestServer *self)
{
  return self->n_disconnected;
}
