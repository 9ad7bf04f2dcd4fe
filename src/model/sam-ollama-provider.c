/* sam-ollama-provider.c — Ollama's native API: /api/chat as NDJSON, /api/tags, /api/embed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-chat-stream.h"
#include "sam-model-error.h"
#include "sam-ollama-provider.h"

/* The reply is one JSON object per line, without any end marker: the last object has
 * done:true, done_reason and the counts. A failure after the 200 is a last line
 * {"error": "..."}; before it, the status is real and the body {"error": "..."}. */

/* Loading a large model can take minutes before the first line. */
#define OLLAMA_IDLE_TIMEOUT_MS (300 * 1000)

struct _SamOllamaProvider
{
  GObject parent_instance;

  SamHttpClient *http;
  char          *base_url;
  char          *api_root;
  char          *api_key;
  char          *model;
  char          *embedding_model;
  char          *name;
};

static void provider_iface_init (SamProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SamOllamaProvider,
                               sam_ollama_provider,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SAM_TYPE_PROVIDER, provider_iface_init))

static void
sam_ollama_provider_finalize (GObject *object)
{
  SamOllamaProvider *self = SAM_OLLAMA_PROVIDER (object);

  g_clear_object (&self->http);
  g_free (self->base_url);
  g_free (self->api_root);
  if (self->api_key)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  g_free (self->model);
  g_free (self->embedding_model);
  g_free (self->name);

  G_OBJECT_CLASS (sam_ollama_provider_parent_class)->finalize (object);
}

static void
sam_ollama_provider_class_init (SamOllamaProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sam_ollama_provider_finalize;
}

static void
sam_ollama_provider_init (SamOllamaProvider *self)
{
  self->http = sam_http_client_new ();
  sam_http_client_set_timeouts (self->http, sam_http_client_get_connect_timeout (self->http),
                                OLLAMA_IDLE_TIMEOUT_MS);
}

/**
 * sam_ollama_provider_new:
 * @base_url: (nullable): the server's root; %NULL for http://127.0.0.1:11434
 * @api_key: (nullable): a bearer token for an Ollama behind a proxy; usually none
 * @model: (nullable): the model name
 *
 * Returns: (transfer full): a new provider
 */
SamProvider *
sam_ollama_provider_new (const char *base_url, const char *api_key, const char *model)
{
  SamOllamaProvider *self = g_object_new (SAM_TYPE_OLLAMA_PROVIDER, NULL);

  self->base_url = g_strdup (base_url && *base_url ? base_url : SAM_OLLAMA_DEFAULT_BASE_URL);
  self->api_root = sam_provider_api_root ("ollama", self->base_url);
  self->api_key = g_strdup (api_key && *api_key ? api_key : NULL);
  self->model = g_strdup (model && *model ? model : NULL);
  self->name = sam_provider_name_for_url ("ollama", self->base_url);

  return SAM_PROVIDER (self);
}

/* NULL embeds with the chat model. */
void
sam_ollama_provider_set_embedding_model (SamOllamaProvider *self, const char *model)
{
  g_return_if_fail (SAM_IS_OLLAMA_PROVIDER (self));

  g_free (self->embedding_model);
  self->embedding_model = g_strdup (model);
}

static SamHttpRequest *
new_request (SamOllamaProvider *self, const char *method, const char *path)
{
  return sam_bearer_request_new (self->api_root, self->api_key, method, path);
}

static void
add_message (JsonBuilder *builder, SamChatRole role, const char *content, SamChatMessage *message)
{
  GPtrArray *calls = message ? sam_chat_message_get_tool_calls (message) : NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, sam_chat_role_to_string (role));
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, content);

  if (role == SAM_CHAT_ROLE_TOOL && sam_chat_message_get_tool_name (message))
    {
      json_builder_set_member_name (builder, "tool_name");
      json_builder_add_string_value (builder, sam_chat_message_get_tool_name (message));
    }

  if (calls && calls->len > 0)
    {
      json_builder_set_member_name (builder, "tool_calls");
      json_builder_begin_array (builder);
      for (guint i = 0; i < calls->len; i++)
        {
          SamToolCall *call = g_ptr_array_index (calls, i);
          g_autoptr (JsonObject) arguments = sam_tool_call_parse_arguments (call, NULL);

          /* Ollama's arguments are an object, not a string of JSON. */
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "function");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, call->name);
          json_builder_set_member_name (builder, "arguments");
          if (arguments == NULL)
            arguments = json_object_new ();
          json_builder_add_value (
              builder, json_node_init_object (json_node_alloc (), g_steal_pointer (&arguments)));
          json_builder_end_object (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }

  json_builder_end_object (builder);
}

static JsonNode *
build_chat_body (SamOllamaProvider *self, SamChatRequest *request, const char *model)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  GPtrArray *messages = sam_chat_request_get_messages (request);
  GPtrArray *tools = sam_chat_request_get_tools (request);
  guint      max_tokens = sam_chat_request_get_max_tokens (request);
  double     temperature;
  gboolean   has_temperature = sam_chat_request_get_temperature (request, &temperature);

  json_builder_begin_object (builder);
  if (model)
    {
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder, model);
    }

  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  if (sam_chat_request_get_system_prompt (request))
    add_message (builder, SAM_CHAT_ROLE_SYSTEM, sam_chat_request_get_system_prompt (request), NULL);
  for (guint i = 0; i < messages->len; i++)
    {
      SamChatMessage *message = g_ptr_array_index (messages, i);

      add_message (builder, sam_chat_message_get_role (message),
                   sam_chat_message_get_content (message), message);
    }
  json_builder_end_array (builder);

  if (tools->len > 0)
    {
      json_builder_set_member_name (builder, "tools");
      json_builder_begin_array (builder);
      for (guint i = 0; i < tools->len; i++)
        {
          SamToolDefinition *tool = g_ptr_array_index (tools, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "type");
          json_builder_add_string_value (builder, "function");
          json_builder_set_member_name (builder, "function");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, tool->name);
          json_builder_set_member_name (builder, "description");
          json_builder_add_string_value (builder, tool->description);
          json_builder_set_member_name (builder, "parameters");
          json_builder_add_value (builder, json_node_copy (tool->parameters));
          json_builder_end_object (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }

  if (has_temperature || max_tokens > 0)
    {
      json_builder_set_member_name (builder, "options");
      json_builder_begin_object (builder);
      if (has_temperature)
        {
          json_builder_set_member_name (builder, "temperature");
          json_builder_add_double_value (builder, temperature);
        }
      if (max_tokens > 0)
        {
          json_builder_set_member_name (builder, "num_predict");
          json_builder_add_int_value (builder, max_tokens);
        }
      json_builder_end_object (builder);
    }

  json_builder_set_member_name (builder, "stream");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

typedef struct
{
  JsonParser *parser;
} ChatState;

static void
chat_state_free (gpointer data)
{
  ChatState *state = data;

  g_object_unref (state->parser);
  g_free (state);
}

static void
read_tool_calls (SamChatStream *stream, JsonArray *calls)
{
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonNode        *node = json_array_get_element (calls, i);
      JsonObject      *function;
      JsonNode        *arguments;
      g_autofree char *text = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;

      function = sam_json_get_object (json_node_get_object (node), "function");
      arguments = function ? json_object_get_member (function, "arguments") : NULL;
      if (arguments && JSON_NODE_HOLDS_OBJECT (arguments))
        text = json_to_string (arguments, FALSE);
      else
        text = g_strdup (sam_json_get_string (function, "arguments"));

      /* Each call arrives whole. */
      sam_chat_stream_tool_call (stream, sam_json_get_int (function, "index", -1),
                                 sam_json_get_string (json_node_get_object (node), "id"),
                                 sam_json_get_string (function, "name"), text);
    }
}

static gboolean
chat_frame (SamChatStream *stream, const SamStreamFrame *frame, gpointer data, GError **error)
{
  ChatState  *state = data;
  JsonNode   *root;
  JsonObject *line;
  JsonObject *message;
  JsonArray  *calls;

  if (!json_parser_load_from_data (state->parser, frame->data, frame->data_len, NULL) ||
      !(root = json_parser_get_root (state->parser)) || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_debug ("Ollama: ignoring a line that is not a JSON object");
      return TRUE;
    }

  line = json_node_get_object (root);

  if (json_object_has_member (line, "error"))
    {
      g_propagate_error (
          error, sam_model_error_from_body (sam_chat_stream_get_name (stream), 0, root, NULL));
      return FALSE;
    }

  if ((message = sam_json_get_object (line, "message")))
    {
      sam_chat_stream_reasoning (stream, sam_json_get_string (message, "thinking"));
      sam_chat_stream_text (stream, sam_json_get_string (message, "content"));
      if ((calls = sam_json_get_array (message, "tool_calls")))
        read_tool_calls (stream, calls);
    }
  else
    {
      /* /api/generate streams, which end the same way, carry the text in "response". */
      sam_chat_stream_text (stream, sam_json_get_string (line, "response"));
    }

  if (sam_json_get_boolean (line, "done", FALSE))
    {
      const char *reason = sam_json_get_string (line, "done_reason");

      sam_chat_stream_usage (stream, sam_json_get_int (line, "prompt_eval_count", -1),
                             sam_json_get_int (line, "eval_count", -1));
      /* Tool calls end the turn with "stop" in Ollama; say what happened. */
      if (sam_chat_reply_get_tool_calls (sam_chat_stream_get_reply (stream))->len > 0 &&
          (reason == NULL || g_str_equal (reason, "stop")))
        reason = "tool_calls";
      sam_chat_stream_finish_reason (stream, reason ? reason : "stop");
      sam_chat_stream_done (stream);
    }

  return TRUE;
}

static void
sam_ollama_provider_stream_chat_async (SamProvider        *provider,
                                       SamChatRequest     *request,
                                       SamStreamEventFunc  event_func,
                                       gpointer            event_data,
                                       GDestroyNotify      event_destroy,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  SamOllamaProvider *self = SAM_OLLAMA_PROVIDER (provider);
  const char        *model = sam_chat_request_get_model (request);
  g_autoptr (JsonNode) body = NULL;
  SamHttpRequest *http_request;
  ChatState      *state;

  if (model == NULL)
    model = self->model;
  /* Without a model Ollama answers with what it needs; only a remote one is refused here. */
  if (model == NULL && !sam_url_is_loopback (self->base_url))
    {
      sam_chat_stream_run_error (provider,
                                 g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION,
                                              _ ("No model is chosen for %s; choose one in "
                                                 "Preferences → Model or set SAMANTHA_MODEL."),
                                              self->name),
                                 event_func, event_data, event_destroy, cancellable, callback,
                                 user_data);
      return;
    }

  body = build_chat_body (self, request, model);
  http_request = new_request (self, "POST", "api/chat");
  sam_http_request_set_json_body (http_request, body);

  state = g_new0 (ChatState, 1);
  state->parser = json_parser_new ();

  sam_chat_stream_run (provider, http_request, SAM_STREAM_FORMAT_NDJSON, chat_frame, state,
                       chat_state_free, event_func, event_data, event_destroy, cancellable,
                       callback, user_data);
}

static void
sam_ollama_provider_list_models_async (SamProvider        *provider,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  SamOllamaProvider *self = SAM_OLLAMA_PROVIDER (provider);
  g_autoptr (SamHttpRequest) request = new_request (self, "GET", "api/tags");

  sam_model_names_fetch (provider, request, "models", "name", "model", cancellable, callback,
                         user_data);
}

static void
embed_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) vectors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  SamOllamaProvider *self = g_task_get_source_object (task);
  guint              expected = GPOINTER_TO_UINT (g_task_get_task_data (task));
  JsonArray         *embeddings = NULL;

  root = sam_http_client_fetch_json_finish (SAM_HTTP_CLIENT (object), result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (root))
    embeddings = sam_json_get_array (json_node_get_object (root), "embeddings");

  for (guint i = 0; embeddings && i < json_array_get_length (embeddings); i++)
    {
      JsonNode  *node = json_array_get_element (embeddings, i);
      JsonArray *values;
      GArray    *vector;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        break;
      values = json_node_get_array (node);
      vector = g_array_sized_new (FALSE, FALSE, sizeof (float), json_array_get_length (values));
      for (guint j = 0; j < json_array_get_length (values); j++)
        {
          JsonNode *value = json_array_get_element (values, j);
          float     number = JSON_NODE_HOLDS_VALUE (value) ? json_node_get_double (value) : 0;

          g_array_append_val (vector, number);
        }
      g_ptr_array_add (vectors, vector);
    }

  if (vectors->len != expected)
    {
      g_task_return_new_error (task, SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_RESPONSE,
                               _ ("The answer from %s did not contain every embedding."),
                               self->name);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&vectors), (GDestroyNotify) g_ptr_array_unref);
}

static void
sam_ollama_provider_embed_async (SamProvider        *provider,
                                 const char *const  *texts,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  SamOllamaProvider *self = SAM_OLLAMA_PROVIDER (provider);
  g_autoptr (SamHttpRequest) request = new_request (self, "POST", "api/embed");
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  const char *model = self->embedding_model ? self->embedding_model : self->model;
  GTask      *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, sam_ollama_provider_embed_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (g_strv_length ((char **) texts)), NULL);

  if (model == NULL)
    {
      g_task_return_new_error (task, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION,
                               _ ("No model is chosen for %s; choose one in Preferences → Model "
                                  "or set SAMANTHA_MODEL."),
                               self->name);
      g_object_unref (task);
      return;
    }

  json_builder_begin_object (builder);
  if (model)
    {
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder, model);
    }
  json_builder_set_member_name (builder, "input");
  json_builder_begin_array (builder);
  for (guint i = 0; texts[i]; i++)
    json_builder_add_string_value (builder, texts[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  sam_http_request_set_json_body (request, body);

  sam_http_client_fetch_json_async (self->http, request, self->name, cancellable, embed_cb, task);
}

static GPtrArray *
sam_ollama_provider_embed_finish (SamProvider *provider, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const char *
sam_ollama_provider_get_id (SamProvider *provider)
{
  return "ollama";
}

static const char *
sam_ollama_provider_get_name (SamProvider *provider)
{
  return SAM_OLLAMA_PROVIDER (provider)->name;
}

static const char *
sam_ollama_provider_get_base_url (SamProvider *provider)
{
  return SAM_OLLAMA_PROVIDER (provider)->base_url;
}

static const char *
sam_ollama_provider_get_model (SamProvider *provider)
{
  return SAM_OLLAMA_PROVIDER (provider)->model;
}

static SamHttpClient *
sam_ollama_provider_get_http_client (SamProvider *provider)
{
  return SAM_OLLAMA_PROVIDER (provider)->http;
}

static void
provider_iface_init (SamProviderInterface *iface)
{
  iface->get_id = sam_ollama_provider_get_id;
  iface->get_name = sam_ollama_provider_get_name;
  iface->get_base_url = sam_ollama_provider_get_base_url;
  iface->get_model = sam_ollama_provider_get_model;
  iface->get_http_client = sam_ollama_provider_get_http_client;
  iface->stream_chat_async = sam_ollama_provider_stream_chat_async;
  iface->stream_chat_finish = sam_chat_stream_run_finish;
  iface->list_models_async = sam_ollama_provider_list_models_async;
  iface->list_models_finish = sam_model_names_finish;
  iface->embed_async = sam_ollama_provider_embed_async;
  iface->embed_finish = sam_ollama_provider_embed_finish;
}
