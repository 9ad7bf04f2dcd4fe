/* sam-chat.c — one conversation in motion: a turn from the user's message to the stored reply.
 *
 * A turn follows DESIGN.md: the user's message is committed before anything else happens, the
 * safety detector reads it locally before any network, the request is assembled with the
 * safety policy, the reply streams into a stored message that is checkpointed about every
 * half second, and it ends stored with its finish reason or its error. Stopping keeps the
 * partial reply; an error keeps it too, and the message offers Retry.
 *
 * After the reply, once the user has had a moment (a new message postpones it, so the next
 * reply is never slowed), the companion learns: the finished exchanges go to the fact
 * extractor, and when the conversation no longer fits the model's context its oldest turns
 * are folded into the rolling summary. Neither runs for a temporary conversation, and a turn
 * in safety mode is not learned from: a crisis is not turned into memories that could come
 * back in unrelated conversations (the safety events keep only a day and a kind). Failures
 * there are logged, not shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "model/sam-model-error.h"
#include "sam-chat.h"
#include "sam-context.h"
#include "sam-fact-extractor.h"
#include "sam-memory-embed.h"
#include "sam-memory.h"
#include "sam-safety-reminders.h"
#include "sam-safety.h"
#include "sam-summary.h"
#include "store/sam-memory-store.h"
#include "store/sam-message-list.h"

#define CHECKPOINT_INTERVAL_US (G_USEC_PER_SEC / 2)
#define HISTORY_LIMIT          200
#define TITLE_LENGTH           48
/* Recalled memories in the system prompt: how many, and at most how long. */
#define MEMORY_HITS  8
#define MEMORY_CHARS 3000
/* How long after a reply the companion learns from it; see the top of the file. */
#define LEARN_DELAY_MS 2000
/* An assistant reply is context for what the user said, not the subject: it is cut. */
#define LEARN_REPLY_CHARS 1500
/* What one summary request folds at most (about 6,000 tokens); the rest waits for the next. */
#define FOLD_CHARS 24000

struct _SamChat
{
  GObject parent_instance;

  SamStore        *store;
  SamConversation *conversation;
  SamMessageList  *messages;
  SamProvider     *provider;

  /* The turn under way. */
  GCancellable *cancellable;
  SamMessage   *reply;
  gint64        last_checkpoint;
  gboolean      safety_mode;
  /* Set for the rest of the session once a message showed a risk: help stays on screen. */
  gboolean had_crisis;
  /* The user's wellbeing settings (under 18, break reminders), when the app gave them. */
  GSettings *settings;

  /* Learning after the turn: the exchanges (user message, reply) not yet given to the fact
   * extractor, the timer that starts it, and the work under way. */
  GPtrArray    *unlearned;
  guint         learn_source;
  guint         learn_delay_ms;
  guint         memory_jobs;
  GCancellable *memory_cancellable;
  guint         history_tokens;
};

/* Reminders follow the person, not the conversation: one state for the whole app. */
static SamReminderState reminder_state;

G_DEFINE_FINAL_TYPE (SamChat, sam_chat, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BUSY,
  PROP_PROVIDER,
  N_PROPS
};

enum
{
  CRISIS,
  REMINDER,
  TEXT_DELTA,
  RETRYING,
  REPLY_FINISHED,
  MEMORY_UPDATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

typedef struct
{
  SamChat    *self;
  SamMessage *reply;
} Turn;

static void
turn_free (Turn *turn)
{
  g_clear_object (&turn->self);
  g_clear_object (&turn->reply);
  g_free (turn);
}

static void
checkpoint (SamChat *self, SamMessage *reply)
{
  g_autoptr (GError) error = NULL;

  self->last_checkpoint = g_get_monotonic_time ();
  if (!sam_store_checkpoint_message (self->store, reply, &error))
    g_warning ("Could not save the reply so far: %s", error->message);
}

static void
stream_event_cb (SamProvider *provider, const SamStreamEvent *event, gpointer user_data)
{
  Turn    *turn = user_data;
  SamChat *self = turn->self;

  switch (event->type)
    {
    case SAM_STREAM_EVENT_TEXT_DELTA:
      sam_message_append_content (turn->reply, event->text, -1);
      if (g_get_monotonic_time () - self->last_checkpoint >= CHECKPOINT_INTERVAL_US)
        checkpoint (self, turn->reply);
      g_signal_emit (self, signals[TEXT_DELTA], 0, event->text);
      break;
    case SAM_STREAM_EVENT_RETRY:
      g_signal_emit (self, signals[RETRYING], 0, event->text);
      break;
    case SAM_STREAM_EVENT_USAGE:
      sam_message_set_usage (turn->reply, event->input_tokens, event->output_tokens);
      break;
    case SAM_STREAM_EVENT_REASONING_DELTA:
    case SAM_STREAM_EVENT_TOOL_CALL_DELTA:
    case SAM_STREAM_EVENT_TOOL_CALL:
    case SAM_STREAM_EVENT_FINISH:
    case SAM_STREAM_EVENT_ERROR:
    default:
      break;
    }
}

static void
sam_chat_end_turn (SamChat *self)
{
  g_clear_object (&self->cancellable);
  g_clear_object (&self->reply);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* Background memory work holds the chat weakly: closing a conversation cancels it. */
typedef struct
{
  GWeakRef chat;
} MemoryJob;

static MemoryJob *
memory_job_new (SamChat *self)
{
  MemoryJob *job = g_new0 (MemoryJob, 1);

  g_weak_ref_init (&job->chat, self);
  self->memory_jobs++;
  return job;
}

static void
memory_job_finish (MemoryJob *job)
{
  g_autoptr (SamChat) self = g_weak_ref_get (&job->chat);

  g_weak_ref_clear (&job->chat);
  g_free (job);
  if (self && --self->memory_jobs == 0)
    g_signal_emit (self, signals[MEMORY_UPDATED], 0);
}

static void sam_chat_update_summary (SamChat *self);

/* The last step of learning from an exchange: the summary, unless the chat is gone or the work
 * was cancelled, and the job ends. */
static void
memory_job_summarise (MemoryJob *job, SamChat *self, const GError *error)
{
  if (self && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    sam_chat_update_summary (self);
  memory_job_finish (job);
}

/* How many facts one embedding request carries at most. */
#define EMBED_BATCH 32

/* The `embedding-model` setting when embeddings are on for this chat's provider, or NULL. */
static char *
sam_chat_dup_embedding_model (SamChat *self)
{
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autofree char *model = NULL;

  if (self->settings == NULL || self->provider == NULL)
    return NULL;
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  if (schema == NULL || !g_settings_schema_has_key (schema, "embedding-model"))
    return NULL;
  model = g_settings_get_string (self->settings, "embedding-model");
  return sam_memory_embeddings_enabled (self->provider, model) ? g_steal_pointer (&model) : NULL;
}

static void
embed_facts_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  MemoryJob *job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (SamChat) self = g_weak_ref_get (&job->chat);

  if (!sam_memory_embed_facts_finish (result, &error))
    g_debug ("Embedding what was learned failed: %s", error->message);
  memory_job_summarise (job, self, error);
}

static void
to_embed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  MemoryJob *job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) to_embed =
      sam_store_list_facts_to_embed_finish (SAM_STORE (object), result, &error);
  g_autoptr (SamChat) self = g_weak_ref_get (&job->chat);
  g_autofree char *embedding_model = NULL;

  if (to_embed == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Finding the memories to embed failed: %s", error->message);
  if (self && to_embed && to_embed->len > 0 &&
      (embedding_model = sam_chat_dup_embedding_model (self)))
    {
      sam_memory_embed_facts_async (self->store, self->provider, embedding_model, to_embed,
                                    self->memory_cancellable, embed_facts_cb, job);
      return;
    }
  memory_job_summarise (job, self, error);
}

static void
extract_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  MemoryJob *job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) facts =
      sam_fact_extractor_extract_finish (SAM_FACT_EXTRACTOR (object), result, &error);
  g_autoptr (SamChat) self = g_weak_ref_get (&job->chat);
  g_autofree char *embedding_model = NULL;

  if (facts == NULL)
    g_debug ("Learning from the conversation failed: %s", error->message);
  /* With embeddings on, one request embeds the newest facts that have none yet: the ones
   * just learned and, a batch an exchange, those learned before embeddings were turned on or
   * from files. Then the summary. */
  if (self && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      (embedding_model = sam_chat_dup_embedding_model (self)))
    {
      sam_store_list_facts_to_embed_async (self->store, embedding_model, EMBED_BATCH,
                                           self->memory_cancellable, to_embed_cb, job);
      return;
    }
  /* One request at a time: the summary follows the facts. */
  memory_job_summarise (job, self, error);
}

static void
summary_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = sam_summary_fold_finish (result, &error);

  if (summary == NULL)
    g_debug ("Summarising the conversation failed: %s", error->message);
  memory_job_finish (user_data);
}

/* The options a turn of this conversation is assembled with, but for recall. */
static void
sam_chat_get_context_options (SamChat *self, SamContextOptions *options)
{
  memset (options, 0, sizeof *options);
  options->safety_mode = self->safety_mode;
  options->is_minor =
      self->settings != NULL && g_settings_get_boolean (self->settings, "user-is-minor");
  options->temporary =
      sam_conversation_get_kind (self->conversation) == SAM_CONVERSATION_KIND_TEMPORARY;
  options->history_tokens = self->history_tokens;
}

static void
sam_chat_learn_facts (SamChat *self)
{
  g_autoptr (SamFactExtractor) extractor = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  SamFactSource source = { 0 };

  for (guint i = 0; i < self->unlearned->len; i++)
    {
      SamMessage *message = g_ptr_array_index (self->unlearned, i);
      gboolean    user = sam_message_get_role (message) == SAM_MESSAGE_ROLE_USER;
      const char *content = sam_message_get_content (message);

      if (source.message_id == 0 && user)
        {
          source.message_id = sam_message_get_id (message);
          source.when = sam_message_get_created (message);
        }
      if (user)
        g_string_append_printf (text, "User: %s\n", content);
      else if (g_utf8_strlen (content, -1) > LEARN_REPLY_CHARS)
        {
          g_autofree char *cut = g_utf8_substring (content, 0, LEARN_REPLY_CHARS);

          g_string_append_printf (text, "Assistant: %s…\n", cut);
        }
      else
        g_string_append_printf (text, "Assistant: %s\n", content);
    }
  g_ptr_array_set_size (self->unlearned, 0);

  source.conversation_id = sam_conversation_get_id (self->conversation);
  extractor = sam_fact_extractor_new (self->store, self->provider, NULL);
  sam_fact_extractor_extract_async (extractor, text->str, &source, self->memory_cancellable,
                                    extract_cb, memory_job_new (self));
}

/* When the conversation no longer fits beside its summary, its oldest turns are folded in. */
static void
sam_chat_update_summary (SamChat *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) history = NULL;
  g_autoptr (GPtrArray) fold = NULL;
  g_autofree char  *summary = NULL;
  SamContextOptions options;
  guint             n_fold = 0;

  sam_chat_get_context_options (self, &options);
  if (!(history = sam_store_get_recent_messages (self->store, self->conversation, HISTORY_LIMIT,
                                                 &error)) ||
      !(summary = sam_store_dup_summary (self->store, sam_conversation_get_id (self->conversation),
                                         &options.summary_through, &error)))
    {
      g_debug ("Could not read the conversation to summarise it: %s", error->message);
      return;
    }
  options.summary = summary;
  if (!sam_context_needs_summary (&options, history, &n_fold))
    return;

  fold = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0, chars = 0; i < n_fold && chars < FOLD_CHARS; i++)
    {
      SamMessage *message = g_ptr_array_index (history, i);

      if (sam_message_get_id (message) <= options.summary_through)
        continue;
      chars += sam_message_get_content_length (message);
      g_ptr_array_add (fold, g_object_ref (message));
    }
  sam_summary_fold_async (self->store, self->provider, self->conversation, fold,
                          self->memory_cancellable, summary_cb, memory_job_new (self));
}

static gboolean
learn_cb (gpointer data)
{
  SamChat *self = data;

  self->learn_source = 0;
  if (self->provider == NULL ||
      sam_conversation_get_kind (self->conversation) == SAM_CONVERSATION_KIND_TEMPORARY)
    {
      g_ptr_array_set_size (self->unlearned, 0);
      return G_SOURCE_REMOVE;
    }

  if (self->memory_cancellable == NULL)
    self->memory_cancellable = g_cancellable_new ();
  if (self->unlearned->len > 0)
    sam_chat_learn_facts (self);
  else
    sam_chat_update_summary (self);
  return G_SOURCE_REMOVE;
}

/* After a complete reply: its exchange is learned from once the user pauses. */
static void
sam_chat_schedule_learning (SamChat *self, SamMessage *reply)
{
  g_autoptr (SamMessage) question = NULL;
  gint64 previous = 0;

  if (self->provider == NULL ||
      sam_conversation_get_kind (self->conversation) == SAM_CONVERSATION_KIND_TEMPORARY)
    return;

  /* Not from a crisis (see the top of the file); the summary still follows the conversation. */
  if (!self->safety_mode &&
      sam_store_get_message_neighbours (self->store, sam_message_get_id (reply), &previous, NULL,
                                        NULL) &&
      previous > 0 && (question = sam_store_get_message (self->store, previous, NULL)) &&
      sam_message_get_role (question) == SAM_MESSAGE_ROLE_USER)
    {
      /* A regenerated reply takes the place of the one it replaced. */
      if (self->unlearned->len >= 2 &&
          g_ptr_array_index (self->unlearned, self->unlearned->len - 2) == (gpointer) question)
        g_ptr_array_set_size (self->unlearned, self->unlearned->len - 2);
      g_ptr_array_add (self->unlearned, g_object_ref (question));
      g_ptr_array_add (self->unlearned, g_object_ref (reply));
    }

  g_clear_handle_id (&self->learn_source, g_source_remove);
  self->learn_source = g_timeout_add (self->learn_delay_ms, learn_cb, self);
}

static void
stream_finished_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Turn    *turn = user_data;
  SamChat *self = turn->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) store_error = NULL;
  g_autoptr (SamChatReply) reply = NULL;
  const char     *finish_reason = NULL;
  SamMessageState state = SAM_MESSAGE_STATE_COMPLETE;
  const char     *error_message = NULL;

  if (sam_provider_stream_chat_finish (SAM_PROVIDER (object), result, &reply, &error))
    {
      finish_reason = sam_finish_reason_to_string (sam_chat_reply_get_finish_reason (reply));
      sam_message_set_usage (turn->reply, sam_chat_reply_get_input_tokens (reply),
                             sam_chat_reply_get_output_tokens (reply));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
           g_error_matches (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CANCELLED))
    {
      /* Stopped by the user: what was written is kept as the reply. */
      finish_reason = "stopped";
    }
  else
    {
      state = SAM_MESSAGE_STATE_FAILED;
      finish_reason = "error";
      error_message = error->message;
    }

  if (!sam_store_finish_message (self->store, turn->reply, state, finish_reason, error_message,
                                 &store_error))
    g_warning ("Could not save the reply: %s", store_error->message);

  if (self->reply == turn->reply)
    sam_chat_end_turn (self);

  if (state == SAM_MESSAGE_STATE_COMPLETE)
    sam_chat_schedule_learning (self, turn->reply);

  g_signal_emit (self, signals[REPLY_FINISHED], 0, turn->reply,
                 state == SAM_MESSAGE_STATE_FAILED ? error : NULL);

  turn_free (turn);
}

/* A turn whose memories are re-ranked by embeddings: the reply is begun, and the request
 * waits for recall, which waits for the embedding of the question. */
typedef struct
{
  Turn             *turn;
  SamProvider      *provider;
  GPtrArray        *history;
  SamContextOptions options;
  char             *core_memory;
  char             *summary;
} Assembly;

static void
reranked_recall_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Assembly *assembly = user_data;
  SamChat  *self = assembly->turn->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) hits = sam_memory_recall_finish (result, &error);
  g_autoptr (SamChatRequest) request = NULL;
  g_autofree char *memory = NULL;

  /* Stopped while recalling: the request below ends at once as stopped. */
  if (hits == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not recall memories: %s", error->message);
  memory = sam_memory_format_for_prompt (hits, MEMORY_CHARS);
  assembly->options.memory = memory;
  assembly->options.core_memory = assembly->core_memory;
  assembly->options.summary = assembly->summary;
  request = sam_context_build_request (&assembly->options, assembly->history);

  sam_provider_stream_chat_async (assembly->provider, request, stream_event_cb, assembly->turn,
                                  NULL, self->cancellable, stream_finished_cb, assembly->turn);

  g_object_unref (assembly->provider);
  g_ptr_array_unref (assembly->history);
  g_free (assembly->core_memory);
  g_free (assembly->summary);
  g_free (assembly);
}

static gboolean
sam_chat_start_turn (SamChat *self, GError **error)
{
  g_autoptr (GPtrArray) history = NULL;
  g_autoptr (SamChatRequest) request = NULL;
  g_autoptr (SamMessage) reply = NULL;
  g_autoptr (GPtrArray) hits = NULL;
  g_autofree char  *memory = NULL;
  g_autofree char  *core_memory = NULL;
  g_autofree char  *summary = NULL;
  g_autofree char  *embedding_model = NULL;
  const char       *query = NULL;
  SamContextOptions options;
  Turn             *turn;

  if (!(history =
            sam_store_get_recent_messages (self->store, self->conversation, HISTORY_LIMIT, error)))
    return FALSE;

  /* A new turn: learning from the last one waits until this one is done. */
  g_clear_handle_id (&self->learn_source, g_source_remove);

  sam_chat_get_context_options (self, &options);
  core_memory = sam_context_format_core_blocks (self->store, options.temporary);
  options.core_memory = core_memory;
  /* The last summary there is; a newer one may be on its way, the turn does not wait. */
  if (!options.temporary)
    {
      g_autoptr (GError) summary_error = NULL;

      if (!(summary =
                sam_store_dup_summary (self->store, sam_conversation_get_id (self->conversation),
                                       &options.summary_through, &summary_error)))
        g_debug ("Could not read the conversation's summary: %s", summary_error->message);
      options.summary = summary;
    }
  /* What the companion remembers about the user's message, from other conversations; a
   * temporary conversation remembers nothing. */
  if (history->len > 0 && !options.temporary)
    {
      SamMessage *last = g_ptr_array_index (history, history->len - 1);
      g_autoptr (GError) recall_error = NULL;

      if (sam_message_get_role (last) == SAM_MESSAGE_ROLE_USER)
        query = sam_message_get_content (last);
      /* With embeddings on, recall comes once the reply is begun; see Assembly. */
      if (query && !(embedding_model = sam_chat_dup_embedding_model (self)) &&
          !(hits = sam_memory_recall (self->store, query, MEMORY_HITS,
                                      sam_conversation_get_id (self->conversation), &recall_error)))
        g_warning ("Could not recall memories: %s", recall_error->message);
      memory = sam_memory_format_for_prompt (hits, MEMORY_CHARS);
      options.memory = memory;
    }
  if (embedding_model == NULL)
    request = sam_context_build_request (&options, history);

  if (!(reply = sam_store_begin_assistant_message (
            self->store, self->conversation,
            self->provider ? sam_provider_get_model (self->provider) : NULL, error)))
    return FALSE;

  if (self->provider == NULL)
    {
      /* No model yet: the reply says so where the user looks, with Retry for after. */
      g_autoptr (GError) store_error = NULL;
      g_autoptr (GError) missing = g_error_new_literal (
          SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION,
          _ ("No model is set up yet. Choose one in Preferences → Model, then retry."));

      if (!sam_store_finish_message (self->store, reply, SAM_MESSAGE_STATE_FAILED, "error",
                                     missing->message, &store_error))
        g_warning ("Could not save the reply: %s", store_error->message);
      g_signal_emit (self, signals[REPLY_FINISHED], 0, reply, missing);
      return TRUE;
    }

  self->cancellable = g_cancellable_new ();
  self->reply = g_object_ref (reply);
  self->last_checkpoint = g_get_monotonic_time ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);

  turn = g_new0 (Turn, 1);
  turn->self = g_object_ref (self);
  turn->reply = g_object_ref (reply);

  if (embedding_model)
    {
      Assembly *assembly = g_new0 (Assembly, 1);

      assembly->turn = turn;
      assembly->provider = g_object_ref (self->provider);
      assembly->history = g_ptr_array_ref (history);
      assembly->options = options;
      assembly->core_memory = g_steal_pointer (&core_memory);
      assembly->summary = g_steal_pointer (&summary);
      sam_memory_recall_async (self->store, self->provider, embedding_model, query, MEMORY_HITS,
                               sam_conversation_get_id (self->conversation), self->cancellable,
                               reranked_recall_cb, assembly);
      return TRUE;
    }

  sam_provider_stream_chat_async (self->provider, request, stream_event_cb, turn, NULL,
                                  self->cancellable, stream_finished_cb, turn);

  return TRUE;
}

static char *
title_from_message (const char *text)
{
  g_autofree char *line = g_strndup (text, strcspn (text, "\n"));
  glong            length;

  g_strstrip (line);
  length = g_utf8_strlen (line, -1);
  if (length <= TITLE_LENGTH)
    return g_steal_pointer (&line);

  {
    g_autofree char *cut = g_utf8_substring (line, 0, TITLE_LENGTH);
    char            *space = strrchr (cut, ' ');

    if (space != NULL && space - cut > TITLE_LENGTH / 2)
      *space = '\0';
    return g_strconcat (cut, "…", NULL);
  }
}

static void
sam_chat_dispose (GObject *object)
{
  SamChat *self = SAM_CHAT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->memory_cancellable);
  g_clear_object (&self->memory_cancellable);
  g_clear_handle_id (&self->learn_source, g_source_remove);
  g_clear_pointer (&self->unlearned, g_ptr_array_unref);
  g_clear_object (&self->reply);
  g_clear_object (&self->messages);
  g_clear_object (&self->conversation);
  g_clear_object (&self->provider);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sam_chat_parent_class)->dispose (object);
}

static void
sam_chat_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamChat *self = SAM_CHAT (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, sam_chat_get_busy (self));
      break;
    case PROP_PROVIDER:
      g_value_set_object (value, self->provider);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_chat_set_property_ (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  SamChat *self = SAM_CHAT (object);

  switch (prop_id)
    {
    case PROP_PROVIDER:
      sam_chat_set_provider (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_chat_class_init (SamChatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sam_chat_dispose;
  object_class->get_property = sam_chat_get_property;
  object_class->set_property = sam_chat_set_property_;

  properties[PROP_BUSY] =
      g_param_spec_boolean ("busy", NULL, NULL, FALSE, (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_PROVIDER] =
      g_param_spec_object ("provider", NULL, NULL, SAM_TYPE_PROVIDER,
                           (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SamChat::crisis:
   * @kind: what the safety detector recognised, as sam_safety_kind_to_string() names it
   *
   * The user's message showed a risk: the app shows real help at once.
   */
  signals[CRISIS] = g_signal_new ("crisis", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * SamChat::reminder:
   * @text: a short, translated reminder (that Samantha is an AI, or to take a break)
   */
  signals[REMINDER] = g_signal_new ("reminder", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * SamChat::text-delta:
   * @text: the text that just arrived
   */
  signals[TEXT_DELTA] = g_signal_new ("text-delta", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                      NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * SamChat::retrying:
   * @text: one sentence saying why the reply takes longer (the server is busy, …)
   */
  signals[RETRYING] = g_signal_new ("retrying", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * SamChat::reply-finished:
   * @message: the stored reply, complete, stopped or failed
   * @error: (nullable): why it failed
   */
  signals[REPLY_FINISHED] =
      g_signal_new ("reply-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, SAM_TYPE_MESSAGE, G_TYPE_ERROR);

  /**
   * SamChat::memory-updated:
   *
   * The learning after a turn is done: facts extracted, the summary folded (or failed,
   * which is only logged).
   */
  signals[MEMORY_UPDATED] = g_signal_new ("memory-updated", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sam_chat_init (SamChat *self)
{
  self->unlearned = g_ptr_array_new_with_free_func (g_object_unref);
  self->learn_delay_ms = LEARN_DELAY_MS;
}

SamChat *
sam_chat_new (SamStore *store, SamConversation *conversation, GError **error)
{
  g_autoptr (SamChat) self = NULL;

  g_return_val_if_fail (SAM_IS_STORE (store), NULL);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), NULL);

  self = g_object_new (SAM_TYPE_CHAT, NULL);
  self->store = g_object_ref (store);
  self->conversation = g_object_ref (conversation);

  if (!(self->messages = sam_message_list_new (store, conversation, error)))
    return NULL;

  return g_steal_pointer (&self);
}

SamStore *
sam_chat_get_store (SamChat *self)
{
  g_return_val_if_fail (SAM_IS_CHAT (self), NULL);

  return self->store;
}

SamConversation *
sam_chat_get_conversation (SamChat *self)
{
  g_return_val_if_fail (SAM_IS_CHAT (self), NULL);

  return self->conversation;
}

GListModel *
sam_chat_get_messages (SamChat *self)
{
  g_return_val_if_fail (SAM_IS_CHAT (self), NULL);

  return G_LIST_MODEL (self->messages);
}

gboolean
sam_chat_get_busy (SamChat *self)
{
  g_return_val_if_fail (SAM_IS_CHAT (self), FALSE);

  return self->reply != NULL;
}

SamProvider *
sam_chat_get_provider (SamChat *self)
{
  g_return_val_if_fail (SAM_IS_CHAT (self), NULL);

  return self->provider;
}

void
sam_chat_set_provider (SamChat *self, SamProvider *provider)
{
  g_return_if_fail (SAM_IS_CHAT (self));
  g_return_if_fail (!provider || SAM_IS_PROVIDER (provider));

  if (g_set_object (&self->provider, provider))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROVIDER]);
}

/* At the first conversation of a day, after three hours of chatting, and when a break is due:
 * the app says it, not the model. */
static void
sam_chat_remind (SamChat *self)
{
  g_autoptr (GTimeZone) zone = g_time_zone_new_local ();
  g_autofree char *text = NULL;
  gint64           now = g_get_real_time () / G_USEC_PER_SEC;
  SamReminders     due;

  if (self->settings == NULL)
    return;

  /* The settings remember the last reminder across runs and processes (quick reply, the
   * main window, a restart): they are the truth. */
  reminder_state.last_ai_reminder = g_settings_get_int64 (self->settings, "ai-reminder-last");

  sam_reminder_state_note_activity (&reminder_state, now);
  due = sam_reminders_due (&reminder_state, now, zone,
                           g_settings_get_boolean (self->settings, "break-reminder"),
                           g_settings_get_int (self->settings, "break-reminder-minutes"),
                           g_settings_get_boolean (self->settings, "user-is-minor"));
  if (due == SAM_REMINDER_NONE)
    return;

  sam_reminder_state_mark_shown (&reminder_state, due, now);
  if (due & SAM_REMINDER_AI)
    g_settings_set_int64 (self->settings, "ai-reminder-last", now);
  if (due & SAM_REMINDER_BREAK)
    sam_store_add_safety_event (self->store, "break-reminder", NULL);

  text = sam_reminders_text (due);
  g_signal_emit (self, signals[REMINDER], 0, text);
}

/**
 * sam_chat_send:
 * @self: a #SamChat
 * @text: what the user wrote
 * @error: where to say why nothing was sent
 *
 * Stores @text as the user's message, checks it for risk, and starts the reply.
 *
 * Returns: whether the message was stored and the turn started
 */
gboolean
sam_chat_send (SamChat *self, const char *text, GError **error)
{
  g_autoptr (SamMessage) message = NULL;
  SamSafetyResult result;

  g_return_val_if_fail (SAM_IS_CHAT (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (sam_chat_get_busy (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _ ("Wait for the reply to finish, or stop it first."));
      return FALSE;
    }

  /* Committed first: whatever happens next, the user's words are kept. */
  if (!(message = sam_store_append_message (self->store, self->conversation, SAM_MESSAGE_ROLE_USER,
                                            text, error)))
    return FALSE;

  if (g_strcmp0 (sam_conversation_get_title (self->conversation), _ ("New Conversation")) == 0)
    {
      g_autofree char *title = title_from_message (text);

      if (*title != '\0')
        sam_store_rename_conversation (self->store, self->conversation, title, NULL);
    }

  sam_chat_remind (self);

  /* Locally, before any network: a crisis is met by the app itself, not left to the model. */
  result = sam_safety_check (sam_safety_detector_get_default (), text);
  self->safety_mode = sam_safety_result_is_crisis (&result);
  if (self->safety_mode)
    {
      const char *kind = sam_safety_kind_to_string (result.kind);

      sam_store_add_safety_event (self->store, kind, NULL);
      self->had_crisis = TRUE;
      g_signal_emit (self, signals[CRISIS], 0, kind);
    }

  return sam_chat_start_turn (self, error);
}

/* Stops the reply under way; what was written so far stays. */
void
sam_chat_stop (SamChat *self)
{
  g_return_if_fail (SAM_IS_CHAT (self));

  g_cancellable_cancel (self->cancellable);
}

static SamMessage *
get_last_message (SamChat *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  return n_items ? g_list_model_get_item (G_LIST_MODEL (self->messages), n_items - 1) : NULL;
}

/**
 * sam_chat_regenerate:
 * @self: a #SamChat
 * @error: where to say why not
 *
 * Replaces the last reply with a new one (also the way to retry a failed reply).
 *
 * Returns: whether a new reply was started
 */
gboolean
sam_chat_regenerate (SamChat *self, GError **error)
{
  g_autoptr (SamMessage) last = NULL;

  g_return_val_if_fail (SAM_IS_CHAT (self), FALSE);

  if (sam_chat_get_busy (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _ ("Wait for the reply to finish, or stop it first."));
      return FALSE;
    }

  if (!(last = get_last_message (self)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _ ("There is nothing to answer yet."));
      return FALSE;
    }

  if (sam_message_get_role (last) != SAM_MESSAGE_ROLE_USER &&
      !sam_store_delete_messages_from (self->store, self->conversation, sam_message_get_id (last),
                                       error))
    return FALSE;

  return sam_chat_start_turn (self, error);
}

/**
 * sam_chat_take_last_user_message:
 * @self: a #SamChat
 * @error: where to say why not
 *
 * Removes the last message the user wrote, and everything after it, to be edited and sent
 * again.
 *
 * Returns: (transfer full) (nullable): the text of that message
 */
char *
sam_chat_take_last_user_message (SamChat *self, GError **error)
{
  guint n_items;

  g_return_val_if_fail (SAM_IS_CHAT (self), NULL);

  if (sam_chat_get_busy (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _ ("Wait for the reply to finish, or stop it first."));
      return NULL;
    }

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  /* Only the latest exchange can be edited; earlier ones stay as they were. */
  for (guint i = n_items; i > 0 && i + 2 > n_items; i--)
    {
      g_autoptr (SamMessage) message = g_list_model_get_item (G_LIST_MODEL (self->messages), i - 1);

      if (sam_message_get_role (message) == SAM_MESSAGE_ROLE_USER)
        {
          char *text = g_strdup (sam_message_get_content (message));

          if (!sam_store_delete_messages_from (self->store, self->conversation,
                                               sam_message_get_id (message), error))
            {
              g_free (text);
              return NULL;
            }
          return text;
        }
    }

  return NULL;
}

/* Whether a message of this conversation showed a risk since it was opened. */
gboolean
sam_chat_get_had_crisis (SamChat *self)
{
  g_return_val_if_fail (SAM_IS_CHAT (self), FALSE);

  return self->had_crisis;
}

/**
 * sam_chat_set_settings:
 * @self: a #SamChat
 * @settings: (nullable): Samantha's settings
 *
 * Gives the chat the user's wellbeing settings: under 18 makes every request stricter, and
 * reminders (that Samantha is an AI, to take a break) are announced with SamChat::reminder.
 */
void
sam_chat_set_settings (SamChat *self, GSettings *settings)
{
  g_return_if_fail (SAM_IS_CHAT (self));
  g_return_if_fail (!settings || G_IS_SETTINGS (settings));

  g_set_object (&self->settings, settings);
}

/**
 * sam_chat_set_learn_delay:
 * @self: a #SamChat
 * @delay_ms: how long after a reply the companion learns from it
 *
 * For tests; the default leaves the user a moment to write on first.
 */
void
sam_chat_set_learn_delay (SamChat *self, guint delay_ms)
{
  g_return_if_fail (SAM_IS_CHAT (self));

  self->learn_delay_ms = delay_ms;
}

/**
 * sam_chat_set_history_tokens:
 * @self: a #SamChat
 * @tokens: the budget for the summary and the turns, or 0 for what the model's context
 *   leaves
 *
 * Older turns beyond the budget are folded into the conversation's rolling summary.
 */
void
sam_chat_set_history_tokens (SamChat *self, guint tokens)
{
  g_return_if_fail (SAM_IS_CHAT (self));

  self->history_tokens = tokens;
}
