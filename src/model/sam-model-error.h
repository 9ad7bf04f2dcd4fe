/* sam-model-error.h — the errors of talking to a model, each one sentence a user can act on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define SAM_MODEL_ERROR (sam_model_error_quark ())

/**
 * SamModelError:
 * @SAM_MODEL_ERROR_CONFIGURATION: no provider, no model, a wrong base URL or model name
 * @SAM_MODEL_ERROR_AUTHENTICATION: the API key is missing, refused or lacks permission
 * @SAM_MODEL_ERROR_RATE_LIMIT: too many requests; retrying later helps
 * @SAM_MODEL_ERROR_QUOTA: the account has no credit or quota left; retrying does not help
 * @SAM_MODEL_ERROR_CONTEXT_LENGTH: the conversation does not fit the model's context window
 * @SAM_MODEL_ERROR_INVALID_REQUEST: the server rejected the request for another reason
 * @SAM_MODEL_ERROR_NETWORK: no connection, a refused certificate, or a reply cut off
 * @SAM_MODEL_ERROR_TIMEOUT: the server did not answer in time
 * @SAM_MODEL_ERROR_SERVER: the server failed, before or during the reply
 * @SAM_MODEL_ERROR_OVERLOADED: the server is too busy right now (Anthropic's 529)
 * @SAM_MODEL_ERROR_INVALID_RESPONSE: the reply could not be understood
 * @SAM_MODEL_ERROR_CANCELLED: the user stopped the reply
 * @SAM_MODEL_ERROR_NOT_SUPPORTED: the provider does not offer this (for example embeddings)
 */
typedef enum
{
  SAM_MODEL_ERROR_CONFIGURATION,
  SAM_MODEL_ERROR_AUTHENTICATION,
  SAM_MODEL_ERROR_RATE_LIMIT,
  SAM_MODEL_ERROR_QUOTA,
  SAM_MODEL_ERROR_CONTEXT_LENGTH,
  SAM_MODEL_ERROR_INVALID_REQUEST,
  SAM_MODEL_ERROR_NETWORK,
  SAM_MODEL_ERROR_TIMEOUT,
  SAM_MODEL_ERROR_SERVER,
  SAM_MODEL_ERROR_OVERLOADED,
  SAM_MODEL_ERROR_INVALID_RESPONSE,
  SAM_MODEL_ERROR_CANCELLED,
  SAM_MODEL_ERROR_NOT_SUPPORTED,
} SamModelError;

GQuark sam_model_error_quark (void);

GError *sam_model_error_from_http (const char         *provider_name,
                                   guint               status,
                                   SoupMessageHeaders *headers,
                                   GBytes             *body,
                                   gboolean           *retryable);
GError *sam_model_error_from_body (const char *provider_name,
                                   guint       status,
                                   JsonNode   *body,
                                   gboolean   *retryable);
GError *sam_model_error_from_transport (const char   *provider_name,
                                        GUri         *uri,
                                        const GError *error,
                                        gboolean     *retryable);
char *
sam_model_error_retry_message (const char *provider_name, const GError *error, guint delay_ms);

G_END_DECLS
