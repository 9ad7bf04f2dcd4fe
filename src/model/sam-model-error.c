/* sam-model-error.c — maps HTTP statuses, error bodies and transport failures to one sentence.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-model-error.h"

G_DEFINE_QUARK (sam - model - error - quark, sam_model_error)

/* The parts of an error body that decide what went wrong. Every provider spells them
 * differently (see tests/fixtures/wire/README.md, section 6.5). */
typedef struct
{
  char *message;
  char *type;
  char *code;
  guint status;
} ErrorFields;

static void
error_fields_clear (ErrorFields *fields)
{
  g_clear_pointer (&fields->message, g_free);
  g_clear_pointer (&fields->type, g_free);
  g_clear_pointer (&fields->code, g_free);
}

static char *
member_as_string (JsonObject *object, const char *name)
{
  JsonNode *node;

  if (object == NULL || !(node = json_object_get_member (object, name)))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup_printf ("%.0f", json_node_get_double (node));
    default:
      return NULL;
    }
}

/* Single line, no surrounding blanks, at most 200 characters: the server's words are quoted
 * inside our sentence, never shown as a page of text. */
static char *
tidy_detail (const char *text)
{
  g_autoptr (GString) tidy = NULL;
  const char *p;
  gboolean    space = FALSE;
  guint       chars = 0;

  if (text == NULL)
    return NULL;

  tidy = g_string_new (NULL);
  for (p = text; *p && chars < 200; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          space = tidy->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (tidy, ' ');
      space = FALSE;
      g_string_append_unichar (tidy, c);
      chars++;
    }
  if (*p)
    g_string_append (tidy, "…");

  /* Our own sentence supplies the full stop. */
  while (tidy->len > 0 && tidy->str[tidy->len - 1] == '.')
    g_string_truncate (tidy, tidy->len - 1);

  if (tidy->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&tidy), FALSE);
}

static void
read_error_fields (JsonNode *body, ErrorFields *fields)
{
  JsonObject *root;
  JsonNode   *error_node;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return;

  root = json_node_get_object (body);
  error_node = json_object_get_member (root, "error");

  if (error_node && JSON_NODE_HOLDS_OBJECT (error_node))
    {
      /* OpenAI, Anthropic, llama.cpp, vLLM, OpenRouter: {"error": {...}} */
      JsonObject *error = json_node_get_object (error_node);

      fields->message = member_as_string (error, "message");
      fields->type = member_as_string (error, "type");
      fields->code = member_as_string (error, "code");
    }
  else if (error_node && JSON_NODE_HOLDS_VALUE (error_node))
    {
      /* Ollama: {"error": "model 'x' not found"} */
      fields->message = member_as_string (root, "error");
    }
  else
    {
      /* Older vLLM: {"object": "error", "message": ..., "type": ..., "code": 400} */
      fields->message = member_as_string (root, "message");
      fields->type = member_as_string (root, "type");
      fields->code = member_as_string (root, "code");
    }

  /* A numeric code is an HTTP status for the servers that use one (vLLM, OpenRouter,
   * llama.cpp); it matters for errors that arrive inside a 200 stream. */
  if (fields->code && g_ascii_isdigit (fields->code[0]))
    {
      guint64 number = g_ascii_strtoull (fields->code, NULL, 10);

      if (number >= 400 && number < 600)
        fields->status = (guint) number;
    }
}

static gboolean
text_mentions (const char *text, const char *needle)
{
  g_autofree char *lower = NULL;

  if (text == NULL)
    return FALSE;

  lower = g_ascii_strdown (text, -1);
  return strstr (lower, needle) != NULL;
}

static gboolean
is_context_length (const ErrorFields *f, guint status)
{
  if (g_strcmp0 (f->code, "context_length_exceeded") == 0 ||
      g_strcmp0 (f->type, "exceed_context_size_error") == 0 ||
      g_strcmp0 (f->type, "request_too_large") == 0 || status == 413)
    return TRUE;

  /* Servers without a code for it say so in words, always with a 400. */
  return (status == 400 || status == 0) && (text_mentions (f->message, "context length") ||
                                            text_mentions (f->message, "context window") ||
                                            text_mentions (f->message, "maximum context") ||
                                            text_mentions (f->message, "context size") ||
                                            text_mentions (f->message, "prompt is too long"));
}

static GError *
classify (
    const char *name, guint status, const ErrorFields *f, gboolean in_stream, gboolean *retryable)
{
  g_autofree char *detail = tidy_detail (f->message);
  const char      *type = f->type ? f->type : "";
  const char      *code = f->code ? f->code : "";

  *retryable = FALSE;

  if (status == 0)
    status = f->status;

  if (status == 401 || g_str_equal (type, "authentication_error") ||
      g_str_equal (code, "invalid_api_key"))
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_AUTHENTICATION,
                        _ ("The API key was refused by %s; check it in Preferences → Model."),
                        name);

  if (status == 403 || g_str_equal (type, "permission_error"))
    {
      if (detail)
        return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_AUTHENTICATION,
                            _ ("%s refused access with this API key: %s."), name, detail);
      return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_AUTHENTICATION,
                          _ ("%s refused access with this API key; check its permissions."), name);
    }

  if (status == 402 || g_str_equal (code, "insufficient_quota") ||
      g_str_equal (type, "insufficient_quota") || g_str_equal (type, "billing_error"))
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_QUOTA,
                        _ ("Your %s account has run out of credit or quota; check your plan and "
                           "billing details."),
                        name);

  if (is_context_length (f, status))
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONTEXT_LENGTH,
                        _ ("The conversation is too long for the model’s context window; start "
                           "a new conversation or choose a model with a larger context."));

  if (status == 429 || g_str_equal (type, "rate_limit_error") ||
      g_str_equal (code, "rate_limit_exceeded"))
    {
      *retryable = TRUE;
      return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_RATE_LIMIT,
                          _ ("%s is limiting how many requests you can make; wait a moment and "
                             "try again."),
                          name);
    }

  if (status == 529 || g_str_equal (type, "overloaded_error"))
    {
      *retryable = TRUE;
      return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_OVERLOADED,
                          _ ("%s is overloaded right now; try again in a moment."), name);
    }

  if (status == 408 || status == 504 || g_str_equal (type, "timeout_error"))
    {
      *retryable = TRUE;
      return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_TIMEOUT,
                          _ ("%s took too long to answer; try again in a moment."), name);
    }

  if (status == 404 || g_str_equal (type, "not_found_error"))
    {
      if (detail)
        return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION,
                            _ ("%s could not find what was asked for (%s); check the model and "
                               "base URL in Preferences → Model."),
                            name, detail);
      return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION,
                          _ ("%s could not find the model or address; check the model and base "
                             "URL in Preferences → Model."),
                          name);
    }

  if (in_stream && (status == 0 || status >= 500))
    {
      if (detail)
        return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_SERVER,
                            _ ("%s failed during the reply (%s); try again."), name, detail);
      return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_SERVER,
                          _ ("%s failed during the reply; try again."), name);
    }

  if (status == 409 || status >= 500 || g_str_equal (type, "api_error") ||
      g_str_equal (type, "server_error"))
    {
      *retryable = TRUE;
      if (status >= 500)
        return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_SERVER,
                            _ ("%s had a server error (HTTP %u); try again later."), name, status);
      return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_SERVER,
                          _ ("%s had a server error; try again later."), name);
    }

  if (detail)
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_REQUEST,
                        _ ("%s rejected the request: %s."), name, detail);
  return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_REQUEST,
                      _ ("%s rejected the request (HTTP %u)."), name, status);
}

/**
 * sam_model_error_from_body:
 * @provider_name: how the user knows the server ("OpenAI", "Ollama", "example.com:8443")
 * @status: the HTTP status, or 0 for an error that arrived inside a 200 stream
 * @body: (nullable): the parsed error body or in-stream error event
 * @retryable: (out): whether sending the same request again later may succeed
 *
 * Returns: (transfer full): a #SAM_MODEL_ERROR with one sentence the user can act on
 */
GError *
sam_model_error_from_body (const char *provider_name,
                           guint       status,
                           JsonNode   *body,
                           gboolean   *retryable)
{
  ErrorFields fields = { 0 };
  GError     *error;
  gboolean    unused;

  if (retryable == NULL)
    retryable = &unused;

  read_error_fields (body, &fields);
  error = classify (provider_name, status, &fields, status == 0, retryable);
  error_fields_clear (&fields);

  return error;
}

/**
 * sam_model_error_from_http:
 * @provider_name: how the user knows the server
 * @status: the HTTP status of a failed request
 * @headers: (nullable): the response headers
 * @body: (nullable): the response body (JSON, HTML or anything else)
 * @retryable: (out): whether the request may be sent again, honouring `x-should-retry`
 *
 * Returns: (transfer full): the error for an HTTP response that is not a success
 */
GError *
sam_model_error_from_http (const char         *provider_name,
                           guint               status,
                           SoupMessageHeaders *headers,
                           GBytes             *body,
                           gboolean           *retryable)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  ErrorFields fields = { 0 };
  const char *should_retry = NULL;
  JsonNode   *root = NULL;
  GError     *error;
  gboolean    retry = FALSE;
  gsize       size = 0;
  const char *data = body ? g_bytes_get_data (body, &size) : NULL;

  if (data && size > 0 && json_parser_load_from_data (parser, data, size, NULL))
    root = json_parser_get_root (parser);

  read_error_fields (root, &fields);

  /* An HTML page from a proxy, or plain text: quote the start of it. */
  if (root == NULL && data && size > 0 && fields.message == NULL && status < 500 &&
      g_utf8_validate (data, MIN (size, 300), NULL))
    fields.message = g_strndup (data, MIN (size, 300));

  error = classify (provider_name, status, &fields, FALSE, &retry);
  error_fields_clear (&fields);

  if (headers)
    should_retry = soup_message_headers_get_one (headers, "x-should-retry");

  /* The server may say otherwise, but never for a refused key, an empty account or a
   * conversation that does not fit: sending it again cannot help. */
  if (g_strcmp0 (should_retry, "false") == 0)
    retry = FALSE;
  else if (g_strcmp0 (should_retry, "true") == 0 &&
           !g_error_matches (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_AUTHENTICATION) &&
           !g_error_matches (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_QUOTA) &&
           !g_error_matches (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONTEXT_LENGTH))
    retry = TRUE;

  if (retryable)
    *retryable = retry;

  return error;
}

static char *
uri_host_port (GUri *uri)
{
  if (uri == NULL)
    return g_strdup ("?");
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  return g_strdup (g_uri_get_host (uri));
}

/**
 * sam_model_error_from_transport:
 * @provider_name: how the user knows the server
 * @uri: (nullable): the address that was asked
 * @error: a GIO, TLS, resolver or libsoup error
 * @retryable: (out) (optional): whether trying again later may help
 *
 * Returns: (transfer full): the error for a request that got no HTTP answer
 */
GError *
sam_model_error_from_transport (const char   *provider_name,
                                GUri         *uri,
                                const GError *error,
                                gboolean     *retryable)
{
  g_autofree char *where = uri_host_port (uri);
  gboolean         unused;

  if (retryable == NULL)
    retryable = &unused;
  *retryable = FALSE;

  if (error->domain == SAM_MODEL_ERROR)
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new_literal (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CANCELLED,
                                _ ("The reply was stopped."));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      *retryable = TRUE;
      return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_TIMEOUT,
                          _ ("%s did not answer in time; check your connection and try again."),
                          provider_name);
    }

  if (error->domain == G_TLS_ERROR)
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK,
                        _ ("The security certificate of %s is not valid, so Samantha did not "
                           "connect; check the base URL in Preferences → Model."),
                        where);

  if (error->domain == G_RESOLVER_ERROR)
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK,
                        _ ("Could not find the server %s; check the base URL and your internet "
                           "connection."),
                        where);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) &&
      g_strcmp0 (provider_name, where) == 0)
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK,
                        _ ("Could not connect to %s; check that the server is running and that "
                           "the base URL is right."),
                        where);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK,
                        _ ("Could not connect to %s at %s; check that it is running and that the "
                           "base URL is right."),
                        provider_name, where);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK,
                        _ ("Could not reach %s; check your internet connection."), where);

  if (error->domain == SOUP_SESSION_ERROR)
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_RESPONSE,
                        _ ("The answer from %s could not be read; check the base URL in "
                           "Preferences → Model."),
                        provider_name);

  /* Reset, broken pipe, closed early: the network dropped us. */
  *retryable = TRUE;
  return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK,
                      _ ("The connection to %s was lost; check your connection and try again."),
                      provider_name);
}

/**
 * sam_model_error_retry_message:
 * @provider_name: how the user knows the server
 * @error: the error that is being retried
 * @delay_ms: how long until the next attempt
 *
 * Returns: (transfer full): a short status line such as "Anthropic is overloaded; retrying
 *   in 4 s…"
 */
char *
sam_model_error_retry_message (const char *provider_name, const GError *error, guint delay_ms)
{
  guint seconds = MAX (1, (delay_ms + 999) / 1000);

  if (g_error_matches (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_RATE_LIMIT))
    return g_strdup_printf (_ ("%s is limiting requests; retrying in %u s…"), provider_name,
                            seconds);
  if (g_error_matches (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_TIMEOUT))
    return g_strdup_printf (_ ("%s took too long to answer; retrying in %u s…"), provider_name,
                            seconds);
  if (g_error_matches (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK))
    return g_strdup_printf (_ ("The connection to %s was lost; retrying in %u s…"), provider_name,
                            seconds);
  if (g_error_matches (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_OVERLOADED))
    return g_strdup_printf (_ ("%s is overloaded; retrying in %u s…"), provider_name, seconds);

  return g_strdup_printf (_ ("%s had a server error; retrying in %u s…"), provider_name, seconds);
}
