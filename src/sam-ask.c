/* sam-ask.c — `samantha --ask TEXT`: one headless turn, the reply streamed to stdout.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "companion/sam-chat.h"
#include "companion/sam-crisis-resources.h"
#include "desktop/sam-secrets.h"
#include "model/sam-model-error.h"
#include "model/sam-provider-config.h"
#include "sam-ask.h"

/* A turn runs without a display and without a running instance: provider from the
 * environment, the settings or this computer; key from SAMANTHA_API_KEY or the keyring; the
 * reply written to stdout as it arrives. The turn itself is the app's own (SamChat): the
 * question is stored before anything is sent, checked for risk, sent with the companion's
 * context and the safety policy, and the reply is stored as it streams, so even a killed
 * process leaves both in the store. */

typedef struct
{
  GMainLoop         *loop;
  GCancellable      *cancellable;
  GSettings         *settings;
  char              *text;
  SamProviderConfig *config;
  SamProvider       *provider;
  SamStore          *store;
  SamChat           *chat;
  GError            *error;
  gboolean           printed_any;
  gboolean           ends_with_newline;
} Turn;

SamAskExit
sam_ask_exit_status (const GError *error)
{
  if (error == NULL)
    return SAM_ASK_EXIT_OK;

  if (error->domain == SAM_SECRETS_ERROR)
    return SAM_ASK_EXIT_AUTHENTICATION;

  if (error->domain != SAM_MODEL_ERROR)
    return SAM_ASK_EXIT_OTHER;

  switch ((SamModelError) error->code)
    {
    case SAM_MODEL_ERROR_CONFIGURATION:
    case SAM_MODEL_ERROR_NOT_SUPPORTED:
      return SAM_ASK_EXIT_CONFIGURATION;
    case SAM_MODEL_ERROR_AUTHENTICATION:
      return SAM_ASK_EXIT_AUTHENTICATION;
    case SAM_MODEL_ERROR_RATE_LIMIT:
    case SAM_MODEL_ERROR_QUOTA:
      return SAM_ASK_EXIT_RATE_LIMIT;
    case SAM_MODEL_ERROR_NETWORK:
    case SAM_MODEL_ERROR_TIMEOUT:
      return SAM_ASK_EXIT_NETWORK;
    case SAM_MODEL_ERROR_SERVER:
    case SAM_MODEL_ERROR_OVERLOADED:
    case SAM_MODEL_ERROR_INVALID_RESPONSE:
      return SAM_ASK_EXIT_SERVER;
    case SAM_MODEL_ERROR_CONTEXT_LENGTH:
    case SAM_MODEL_ERROR_INVALID_REQUEST:
      return SAM_ASK_EXIT_REQUEST;
    case SAM_MODEL_ERROR_CANCELLED:
      return SAM_ASK_EXIT_CANCELLED;
    default:
      return SAM_ASK_EXIT_OTHER;
    }
}

static void
finish_turn (Turn *turn, GError *error)
{
  if (error && !turn->error)
    turn->error = error;
  else if (error)
    g_error_free (error);

  g_main_loop_quit (turn->loop);
}

static void
text_delta_cb (SamChat *chat, const char *text, Turn *turn)
{
  fputs (text, stdout);
  fflush (stdout);
  turn->printed_any = TRUE;
  turn->ends_with_newline = g_str_has_suffix (text, "\n");
}

static void
crisis_cb (SamChat *chat, const char *kind, Turn *turn)
{
  g_autofree char *country = sam_crisis_country_from_environment ();
  g_autofree char *resources =
      sam_crisis_resources_format_text (sam_crisis_resources_get_default (), country);

  /* The app's own help comes first, before any word from the model. */
  fputs (resources, stdout);
  if (!g_str_has_suffix (resources, "\n"))
    fputc ('\n', stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void
retrying_cb (SamChat *chat, const char *text, Turn *turn)
{
  /* A person at a terminal wants to know why it takes longer; a script does not. */
  if (isatty (STDERR_FILENO))
    g_printerr ("%s\n", text);
}

static void
reply_finished_cb (SamChat *chat, SamMessage *message, const GError *error, Turn *turn)
{
  /* Stopped (Ctrl+C): the text that arrived stays, and the status says it was cut short. */
  if (error == NULL && g_strcmp0 (sam_message_get_finish_reason (message), "stopped") == 0)
    finish_turn (turn, g_error_new_literal (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CANCELLED,
                                            _ ("The reply was stopped.")));
  else
    finish_turn (turn, error ? g_error_copy (error) : NULL);
}

static void
start_stream (Turn *turn)
{
  GError *error = NULL;
  g_autoptr (SamConversation) conversation = NULL;

  if (!(turn->store = sam_store_new (&error)) ||
      !(conversation = sam_store_create_conversation (turn->store, _ ("New Conversation"),
                                                      SAM_CONVERSATION_KIND_NORMAL, &error)) ||
      !(turn->chat = sam_chat_new (turn->store, conversation, &error)))
    {
      finish_turn (turn, error);
      return;
    }

  sam_chat_set_provider (turn->chat, turn->provider);
  g_signal_connect (turn->chat, "text-delta", G_CALLBACK (text_delta_cb), turn);
  g_signal_connect (turn->chat, "retrying", G_CALLBACK (retrying_cb), turn);
  g_signal_connect (turn->chat, "crisis", G_CALLBACK (crisis_cb), turn);
  g_signal_connect (turn->chat, "reply-finished", G_CALLBACK (reply_finished_cb), turn);

  if (!sam_chat_send (turn->chat, turn->text, &error))
    finish_turn (turn, error);
}

static void
lookup_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Turn *turn = user_data;
  g_autoptr (GError) error = NULL;
  char *api_key;

  api_key = sam_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish_turn (turn, g_error_new_literal (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CANCELLED,
                                              _ ("The reply was stopped.")));
      return;
    }

  if (api_key == NULL && sam_provider_config_needs_key (turn->config))
    {
      g_autofree char *name =
          sam_provider_name_for_url (turn->config->provider, turn->config->base_url);

      /* No keyring (a headless session) is the usual reason; it tells what to do instead. */
      if (error)
        finish_turn (turn, g_steal_pointer (&error));
      else
        finish_turn (turn, g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_AUTHENTICATION,
                                        _ ("%s needs an API key; add one in Preferences → "
                                           "Model or set SAMANTHA_API_KEY."),
                                        name));
      return;
    }

  turn->provider = sam_provider_config_create (turn->config, api_key);
  sam_secrets_free_key (api_key);
  start_stream (turn);
}

static void
resolve_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Turn   *turn = user_data;
  GError *error = NULL;

  turn->config = sam_provider_config_resolve_finish (result, &error);
  if (turn->config == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_clear_error (&error);
          error = g_error_new_literal (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CANCELLED,
                                       _ ("The reply was stopped."));
        }
      finish_turn (turn, error);
      return;
    }

  /* SAMANTHA_API_KEY wins and is never stored; otherwise the keyring has the key. */
  if (turn->config->api_key)
    {
      turn->provider = sam_provider_config_create (turn->config, NULL);
      start_stream (turn);
      return;
    }

  sam_secrets_lookup_async (turn->config->provider, turn->config->base_url, turn->cancellable,
                            lookup_cb, turn);
}

static gboolean
interrupt_cb (gpointer user_data)
{
  Turn *turn = user_data;

  /* Stop for real: the request ends and the server sees the connection close. */
  g_cancellable_cancel (turn->cancellable);
  if (turn->chat != NULL)
    sam_chat_stop (turn->chat);

  return G_SOURCE_CONTINUE;
}

/**
 * sam_ask_run:
 * @settings: (nullable): Samantha's settings
 * @text: what to ask
 *
 * Runs one turn on its own main loop and prints the reply to stdout as it arrives. On
 * failure the text that arrived stays, and one line saying what went wrong and what to do
 * goes to stderr.
 *
 * Returns: a #SamAskExit
 */
int
sam_ask_run (GSettings *settings, const char *text)
{
  g_autofree char *question = g_strstrip (g_strdup (text ? text : ""));
  Turn             turn = { 0 };
  guint            sigint;
  guint            sigterm;
  int              status;

  if (*question == '\0')
    {
      g_printerr ("%s\n", _ ("There is nothing to ask: write the question after --ask."));
      return SAM_ASK_EXIT_OTHER;
    }

  turn.loop = g_main_loop_new (NULL, FALSE);
  turn.cancellable = g_cancellable_new ();
  turn.settings = settings ? g_object_ref (settings) : NULL;
  turn.text = g_strdup (text);

  sigint = g_unix_signal_add (SIGINT, interrupt_cb, &turn);
  sigterm = g_unix_signal_add (SIGTERM, interrupt_cb, &turn);

  sam_provider_config_resolve_async (turn.settings, turn.cancellable, resolve_cb, &turn);
  g_main_loop_run (turn.loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);

  status = sam_ask_exit_status (turn.error);
  if (turn.error)
    {
      /* Keep the terminal tidy; a pipe gets exactly the text that arrived. */
      if (turn.printed_any && !turn.ends_with_newline && isatty (STDOUT_FILENO))
        fputc ('\n', stdout);
      fflush (stdout);
      g_printerr ("%s\n", turn.error->message);
    }
  else if (turn.printed_any && !turn.ends_with_newline && isatty (STDOUT_FILENO))
    fputc ('\n', stdout);
  fflush (stdout);

  g_clear_error (&turn.error);
  g_clear_object (&turn.chat);
  g_clear_object (&turn.store);
  g_clear_object (&turn.provider);
  g_clear_pointer (&turn.config, sam_provider_config_free);
  g_clear_object (&turn.settings);
  g_clear_object (&turn.cancellable);
  g_clear_pointer (&turn.loop, g_main_loop_unref);
  g_free (turn.text);

  return status;
}
