/* sam-openai-provider.c — OpenAI Chat Completions and the many servers that speak it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-chat-stream.h"
#include "sam-model-error.h"
#include "sam-openai-provider.h"

/* OpenAI, OpenRouter, Groq, Mistral, Gemini's OpenAI endpoint, llama.cpp, vLLM, LM Studio
 * and Ollama's /v1 all take POST {base}/chat/completions and stream `data: {chunk}` events
 * ending in `data: [DONE]`. Their differences are in the chunks; see
 * tests/fixtures/wire/README.md. */
struct _SamOpenaiProvider
{
  GObject parent_instance;

  SamHttpClient *http;
  char          *base_url;
  char          *api_root;
  char          *api_key;
  char          *model;
  char          *embedding_model;
  char          *name;
  char          *host;
};

static void provider_iface_init (SamProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SamOpenaiProvider,
                               sam_openai_provider,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SAM_TYPE_PROVIDER, provider_iface_init))

static void
sam_openai_provider_finalize (GObject *object)
{
  SamOpenaiProvider *self = SAM_OPENAI_PROVIDER (object);

  g_clear_object (&self->http);
  g_free (self->base_url);
  g_free (self->api_root);
  if (self->api_key)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  g_free (self->model);
  g_free (self->embedding_model);
  g_free (self->name);
  g_free (self->host);

  G_OBJECT_CLASS (sam_openai_provider_parent_class)->finalize (object);
}

static void
sam_openai_provider_class_init (SamOpenaiProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sam_openai_provider_finalize;
}

static void
sam_openai_provider_init (SamOpenaiProvider *self)
{
  self->http = sam_http_client_new ();
  self->embedding_model = g_strdup ("text-embedding-3-small");
}

/**
 * sam_openai_provider_new:
 * @base_url: (nullable): the API root, with its `/v1`; %NULL for OpenAI's
 * @api_key: (nullable): the key, sent as `Authorization: Bearer`; local servers need none
 * @model: (nullable): the model name
 *
 * Returns: (transfer full): a new provider
 */
SamProvider *
sam_openai_provider_new (const char *base_url, const char *api_key, const char *model)
{
  SamOpenaiProvider *self = g_object_new (SAM_TYPE_OPENAI_PROVIDER, NULL);
  g_autoptr (GUri) uri = NULL;

  self->base_url = g_strdup (base_url && *base_url ? base_url : SAM_OPENAI_DEFAULT_BASE_URL);
  self->api_root = sam_provider_api_root ("openai", self->base_url);
  self->api_key = g_strdup (api_key && *api_key ? api_key : NULL);
  self->model = g_strdup (model && *model ? model : NULL);
  self->name = sam_provider_name_for_url ("openai", self->base_url);
  if ((uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL)) && g_uri_get_host (uri))
    self->host = g_ascii_strdown (g_uri_get_host (uri), -1);

  return SAM_PROVIDER (self);
}

void
sam_openai_provider_set_embedding_model (SamOpenaiProvider *self, const char *model)
{
  g_return_if_fail (SAM_IS_OPENAI_PROVIDER (self));

  g_free (self->embedding_model);
  self->embedding_model = g_strdup (model);
}

static gboolean
is_host (SamOpenaiProvider *self, const char *host)
{
  return g_strcmp0 (self->host, host) == 0;
}

static gboolean
is_local (SamOpenaiProvider *self)
{
  return sam_url_is_loopback (self->base_url);
}

static SamHttpRequest *
new_request (SamOpenaiProvider *self, const char *method, const char *path)
{
  return sam_bearer_request_new (self->api_root, self->api_key, method, path);
}

static void
add_message (JsonBuilder *builder, SamChatMessage *message)
{
  GPtrArray  *calls = sam_chat_message_get_tool_calls (message);
  SamChatRole role = sam_chat_message_get_role (message);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, sam_chat_role_to_string (role));

  json_builder_set_member_name (builder, "content");
  if (role == SAM_CHAT_ROLE_ASSISTANT && calls->len > 0 &&
      *sam_chat_message_get_content (message) == '\0')
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, sam_chat_message_get_content (message));

  if (role == SAM_CHAT_ROLE_TOOL)
    {
      json_builder_set_member_name (builder, "tool_call_id");
      json_builder_add_string_value (builder, sam_chat_message_get_tool_call_id (message));
    }

  if (role == SAM_CHAT_ROLE_ASSISTANT && calls->len > 0)
    {
      json_builder_set_member_name (builder, "tool_calls");
      json_builder_begin_array (builder);
      for (guint i = 0; i < calls->len; i++)
        {
          SamToolCall *call = g_ptr_array_index (calls, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, call->id);
          json_builder_set_member_name (builder, "type");
          json_builder_add_string_value (builder, "function");
          json_builder_set_member_name (builder, "function");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, call->name);
          json_builder_set_member_name (builder, "arguments");
          json_builder_add_string_value (builder, call->arguments);
          json_builder_end_object (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }

  json_builder_end_object (builder);
}

static JsonNode *
build_chat_body (SamOpenaiProvider *self, SamChatRequest *request, const char *model)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  GPtrArray *messages = sam_chat_request_get_messages (request);
  GPtrArray *tools = sam_chat_request_get_tools (request);
  double     temperature;
  guint      max_tokens = sam_chat_request_get_max_tokens (request);

  json_builder_begin_object (builder);
  if (model)
    {
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder, model);
    }

  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  if (sam_chat_request_get_system_prompt (request))
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, "system");
      json_builder_set_member_name (builder, "content");
      json_builder_add_string_value (builder, sam_chat_request_get_system_prompt (request));
      json_builder_end_object (builder);
    }
  for (guint i = 0; i < messages->len; i++)
    add_message (builder, g_ptr_array_index (messages, i));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "stream");
  json_builder_add_boolean_value (builder, TRUE);

  /* Usage comes in one extra chunk. Servers known to accept the option get it; some
   * others reject unknown fields. */
  if (is_host (self, "api.openai.com") || is_host (self, "openrouter.ai") || is_local (self))
    {
      json_builder_set_member_name (builder, "stream_options");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "include_usage");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_end_object (builder);
    }

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

  if (sam_chat_request_get_temperature (request, &temperature))
    {
      json_builder_set_member_name (builder, "temperature");
      json_builder_add_double_value (builder, temperature);
    }

  if (max_tokens > 0)
    {
      /* OpenAI's reasoning models refuse the older name; other servers only know it. */
      json_builder_set_member_name (
          builder, is_host (self, "api.openai.com") ? "max_completion_tokens" : "max_tokens");
      json_builder_add_int_value (builder, max_tokens);
    }

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
      JsonObject      *call;
      JsonObject      *function;
      JsonNode        *arguments;
      g_autofree char *arguments_text = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;

      call = json_node_get_object (node);
      function = sam_json_get_object (call, "function");
      arguments = function ? json_object_get_member (function, "arguments") : NULL;

      /* A string of JSON as OpenAI says; some servers send the object itself. */
      if (arguments && JSON_NODE_HOLDS_OBJECT (arguments))
        arguments_text = json_to_string (arguments, FALSE);
      else
        arguments_text = g_strdup (sam_json_get_string (function, "arguments"));

      sam_chat_stream_tool_delta (stream, sam_json_get_int (call, "index", -1),
                                  sam_json_get_string (call, "id"),
                                  sam_json_get_string (function, "name"), arguments_text);
    }
}

static gboolean
chat_frame (SamChatStream *stream, const SamStreamFrame *frame, gpointer data, GError **error)
{
  ChatState  *state = data;
  JsonNode   *root;
  JsonObject *chunk;
  JsonObject *usage;
  JsonArray  *choices;
  const char *name = sam_chat_stream_get_name (stream);

  if (g_str_equal (frame->data, "[DONE]"))
    {
      /* The server ended the stream on purpose; without a finish reason it stopped for a
       * reason it did not say. Only a stream that just breaks off is incomplete. */
      sam_chat_stream_tools_done (stream);
      sam_chat_stream_end (stream);
      return TRUE;
    }

  if (!json_parser_load_from_data (state->parser, frame->data, frame->data_len, NULL) ||
      !(root = json_parser_get_root (state->parser)) || !JSON_NODE_HOLDS_OBJECT (root))
    {
      /* Not JSON: a keep-alive some proxy invented, or the stream was cut inside an event.
       * Whether the reply is complete is decided by its finish reason. */
      g_debug ("%s: ignoring an event that is not a JSON object", name);
      return TRUE;
    }

  chunk = json_node_get_object (root);

  /* Errors after the 200: `data: {"error": ...}` (vLLM, llama.cpp, OpenRouter), the legacy
   * llama.cpp `error:` field, and older vLLM's flat {"object": "error"}. */
  if (json_object_has_member (chunk, "error") || g_strcmp0 (frame->event, "error") == 0 ||
      g_strcmp0 (sam_json_get_string (chunk, "object"), "error") == 0)
    {
      g_propagate_error (error, sam_model_error_from_body (name, 0, root, NULL));
      return FALSE;
    }

  if ((usage = sam_json_get_object (chunk, "usage")))
    sam_chat_stream_usage (stream, sam_json_get_int (usage, "prompt_tokens", -1),
                           sam_json_get_int (usage, "completion_tokens", -1));

  /* Guard every choices[0]: the usage chunk and Azure's first chunk have none. */
  choices = sam_json_get_array (chunk, "choices");
  for (guint i = 0; choices && i < json_array_get_length (choices); i++)
    {
      JsonNode   *node = json_array_get_element (choices, i);
      JsonObject *choice;
      JsonObject *delta;
      JsonArray  *tool_calls;
      const char *finish;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      choice = json_node_get_object (node);
      if (sam_json_get_int (choice, "index", 0) != 0)
        continue;

      /* "message" where a server answered without streaming. */
      if ((delta = sam_json_get_object (choice, "delta")) ||
          (delta = sam_json_get_object (choice, "message")))
        {
          sam_chat_stream_text (stream, sam_json_get_string (delta, "content"));
          sam_chat_stream_text (stream, sam_json_get_string (delta, "refusal"));
          sam_chat_stream_reasoning (stream, sam_json_get_string (delta, "reasoning_content"));
          sam_chat_stream_reasoning (stream, sam_json_get_string (delta, "reasoning"));
          if ((tool_calls = sam_json_get_array (delta, "tool_calls")))
            read_tool_calls (stream, tool_calls);
        }

      if ((finish = sam_json_get_string (choice, "finish_reason")))
        {
          sam_chat_stream_tools_done (stream);
          sam_chat_stream_finish_reason (stream, finish);

          if (g_str_equal (finish, "error"))
            {
              g_set_error (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_SERVER,
                           _ ("%s failed during the reply; try again."), name);
              return FALSE;
            }
        }
    }

  return TRUE;
}

static void
sam_openai_provider_stream_chat_async (SamProvider        *provider,
                                       SamChatRequest     *request,
                                       SamStreamEventFunc  event_func,
                                       gpointer            event_data,
                                       GDestroyNotify      event_destroy,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  SamOpenaiProvider *self = SAM_OPENAI_PROVIDER (provider);
  const char        *model = sam_chat_request_get_model (request);
  g_autoptr (JsonNode) body = NULL;
  SamHttpRequest *http_request;
  ChatState      *state;

  if (model == NULL)
    model = self->model;
  if (model == NULL)
    model = is_host (self, "api.openai.com") ? SAM_OPENAI_DEFAULT_MODEL : NULL;
  /* A server on this computer (llama.cpp) serves the model it has loaded; others need a
   * name. */
  if (model == NULL && !is_local (self))
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
  http_request = new_request (self, "POST", "chat/completions");
  sam_http_request_add_header (http_request, "Accept", "text/event-stream");
  sam_http_request_set_json_body (http_request, body);

  state = g_new0 (ChatState, 1);
  state->parser = json_parser_new ();

  sam_chat_stream_run (provider, http_request, SAM_STREAM_FORMAT_SSE, chat_frame, state,
                       chat_state_free, event_func, event_data, event_destroy, cancellable,
                       callback, user_data);
}

static void
sam_openai_provider_list_models_async (SamProvider        *provider,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  SamOpenaiProvider *self = SAM_OPENAI_PROVIDER (provider);
  g_autoptr (SamHttpRequest) request = new_request (self, "GET", "models");

  sam_model_names_fetch (provider, request, "data", "id", NULL, cancellable, callback, user_data);
}

static GArray *
read_vector (JsonArray *values)
{
  GArray *vector = g_array_sized_new (FALSE, FALSE, sizeof (float), json_array_get_length (values));

  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      JsonNode *node = json_array_get_element (values, i);
      float     value = 0;

      if (JSON_NODE_HOLDS_VALUE (node))
        value = (float) json_node_get_double (node);
      g_array_append_val (vector, value);
    }

  return vector;
}

static void
embed_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) vectors = NULL;
  SamOpenaiProvider *self = g_task_get_source_object (task);
  guint              expected = GPOINTER_TO_UINT (g_task_get_task_data (task));
  JsonArray         *items = NULL;

  root = sam_http_client_fetch_json_finish (SAM_HTTP_CLIENT (object), result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (root))
    items = sam_json_get_array (json_node_get_object (root), "data");

  vectors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_ptr_array_set_size (vectors, expected);

  for (guint i = 0; items && i < json_array_get_length (items); i++)
    {
      JsonNode   *node = json_array_get_element (items, i);
      JsonObject *item;
      JsonArray  *values;
      gint64      index;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      item = json_node_get_object (node);
      index = sam_json_get_int (item, "index", i);
      values = sam_json_get_array (item, "embedding");
      if (values && index >= 0 && index < expected && !g_ptr_array_index (vectors, index))
        g_ptr_array_index (vectors, index) = read_vector (values);
    }

  for (guint i = 0; i < expected; i++)
    if (g_ptr_array_index (vectors, i) == NULL)
      {
        g_task_return_new_error (task, SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_RESPONSE,
                                 _ ("The answer from %s did not contain every embedding."),
                                 self->name);
        return;
      }

  g_task_return_pointer (task, g_steal_pointer (&vectors), (GDestroyNotify) g_ptr_array_unref);
}

static void
sam_openai_provider_embed_async (SamProvider        *provider,
                                 const char *const  *texts,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  SamOpenaiProvider *self = SAM_OPENAI_PROVIDER (provider);
  g_autoptr (SamHttpRequest) request = new_request (self, "POST", "embeddings");
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, sam_openai_provider_embed_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (g_strv_length ((char **) texts)), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, self->embedding_model);
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
sam_openai_provider_embed_finish (SamProvider *provider, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const char *
sam_openai_provider_get_id (SamProvider *provider)
{
  return "openai";
}

static const char *
sam_openai_provider_get_name (SamProvider *provider)
{
  return SAM_OPENAI_PROVIDER (provider)->name;
}

static const char *
sam_openai_provider_get_base_url (SamProvider *provider)
{
  return SAM_OPENAI_PROVIDER (provider)->base_url;
}

static const char *
sam_openai_provider_get_model (SamProvider *provider)
{
  return SAM_OPENAI_PROVIDER (provider)->model;
}

static SamHttpClient *
sam_openai_provider_get_http_client (SamProvider *provider)
{
  return SAM_OPENAI_PROVIDER (provider)->http;
}

static void
provider_iface_init (SamProviderInterface *iface)
{
  iface->get_id = sam_openai_provider_get_id;
  iface->get_name = sam_openai_provider_get_name;
  iface->get_base_url = sam_openai_provider_get_base_url;
  iface->get_model = sam_openai_provider_get_model;
  iface->get_http_client = sam_openai_provider_get_http_client;
  iface->stream_chat_async = sam_openai_provider_stream_chat_async;
  iface->stream_chat_finish = sam_chat_stream_run_finish;
  iface->list_models_async = sam_openai_provider_list_models_async;
  iface->list_models_finish = sam_model_names_finish;
  iface->embed_async = sam_openai_provider_embed_async;
  iface->embed_finish = sam_openai_provider_embed_finish;
}
