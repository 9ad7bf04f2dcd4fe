/* sam-message.c — one stored message of a conversation (role, content, state, usage).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-message.h"
#include "sam-store-private.h"

struct _SamMessage
{
  GObject parent_instance;

  gint64          id;
  gint64          conversation_id;
  GString        *content;
  gint64          created;
  char           *model;
  char           *finish_reason;
  char           *error;
  gint64          tokens_in;
  gint64          tokens_out;
  SamMessageRole  role;
  SamMessageState state;
};

G_DEFINE_FINAL_TYPE (SamMessage, sam_message, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (SamMessageRole,
                    sam_message_role,
                    G_DEFINE_ENUM_VALUE (SAM_MESSAGE_ROLE_USER, "user"),
                    G_DEFINE_ENUM_VALUE (SAM_MESSAGE_ROLE_ASSISTANT, "assistant"),
                    G_DEFINE_ENUM_VALUE (SAM_MESSAGE_ROLE_SYSTEM, "system"),
                    G_DEFINE_ENUM_VALUE (SAM_MESSAGE_ROLE_TOOL, "tool"))

G_DEFINE_ENUM_TYPE (SamMessageState,
                    sam_message_state,
                    G_DEFINE_ENUM_VALUE (SAM_MESSAGE_STATE_COMPLETE, "complete"),
                    G_DEFINE_ENUM_VALUE (SAM_MESSAGE_STATE_STREAMING, "streaming"),
                    G_DEFINE_ENUM_VALUE (SAM_MESSAGE_STATE_INTERRUPTED, "interrupted"),
                    G_DEFINE_ENUM_VALUE (SAM_MESSAGE_STATE_FAILED, "failed"))

enum
{
  PROP_0,
  PROP_ID,
  PROP_CONVERSATION_ID,
  PROP_ROLE,
  PROP_CONTENT,
  PROP_CREATED,
  PROP_STATE,
  PROP_MODEL,
  PROP_FINISH_REASON,
  PROP_ERROR,
  PROP_TOKENS_IN,
  PROP_TOKENS_OUT,
  N_PROPS
};

enum
{
  CONTENT_APPENDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

static const char *role_names[] = { "user", "assistant", "system", "tool" };
static const char *state_names[] = { "complete", "streaming", "interrupted", "failed" };

static void
sam_message_finalize (GObject *object)
{
  SamMessage *self = SAM_MESSAGE (object);

  g_string_free (self->content, TRUE);
  g_clear_pointer (&self->model, g_free);
  g_clear_pointer (&self->finish_reason, g_free);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (sam_message_parent_class)->finalize (object);
}

static void
sam_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamMessage *self = SAM_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_CONVERSATION_ID:
      g_value_set_int64 (value, self->conversation_id);
      break;
    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;
    case PROP_CONTENT:
      g_value_set_string (value, self->content->str);
      break;
    case PROP_CREATED:
      g_value_set_int64 (value, self->created);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_FINISH_REASON:
      g_value_set_string (value, self->finish_reason);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_TOKENS_IN:
      g_value_set_int64 (value, self->tokens_in);
      break;
    case PROP_TOKENS_OUT:
      g_value_set_int64 (value, self->tokens_out);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_message_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  SamMessage *self = SAM_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_CONTENT:
      sam_message_set_content (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_message_class_init (SamMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags   ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = sam_message_finalize;
  object_class->get_property = sam_message_get_property;
  object_class->set_property = sam_message_set_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_CONVERSATION_ID] =
      g_param_spec_int64 ("conversation-id", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_ROLE] =
      g_param_spec_enum ("role", NULL, NULL, SAM_TYPE_MESSAGE_ROLE, SAM_MESSAGE_ROLE_USER, ro);
  properties[PROP_CONTENT] =
      g_param_spec_string ("content", NULL, NULL, "",
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CREATED] = g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SAM_TYPE_MESSAGE_STATE,
                                              SAM_MESSAGE_STATE_COMPLETE, ro);
  properties[PROP_MODEL] = g_param_spec_string ("model", NULL, NULL, NULL, ro);
  properties[PROP_FINISH_REASON] = g_param_spec_string ("finish-reason", NULL, NULL, NULL, ro);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, ro);
  properties[PROP_TOKENS_IN] = g_param_spec_int64 ("tokens-in", NULL, NULL, -1, G_MAXINT64, -1, ro);
  properties[PROP_TOKENS_OUT] =
      g_param_spec_int64 ("tokens-out", NULL, NULL, -1, G_MAXINT64, -1, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SamMessage::content-appended:
   * @delta: the text appended to the end of the content
   *
   * Emitted by sam_message_append_content() before notify::content, so a view can append
   * the delta without reading the whole content again.
   */
  signals[CONTENT_APPENDED] =
      g_signal_new ("content-appended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sam_message_init (SamMessage *self)
{
  self->content = g_string_new (NULL);
  self->tokens_in = -1;
  self->tokens_out = -1;
}

SamMessage *
_sam_message_new (gint64          id,
                  gint64          conversation_id,
                  SamMessageRole  role,
                  const char     *content,
                  gint64          created,
                  SamMessageState state,
                  const char     *model,
                  const char     *finish_reason,
                  const char     *error,
                  gint64          tokens_in,
                  gint64          tokens_out)
{
  SamMessage *self = g_object_new (SAM_TYPE_MESSAGE, NULL);

  self->id = id;
  self->conversation_id = conversation_id;
  self->role = role;
  g_string_assign (self->content, content ? content : "");
  self->created = created;
  self->state = state;
  self->model = g_strdup (model);
  self->finish_reason = g_strdup (finish_reason);
  self->error = g_strdup (error);
  self->tokens_in = tokens_in;
  self->tokens_out = tokens_out;

  return self;
}

void
_sam_message_set_finished (SamMessage     *self,
                           SamMessageState state,
                           const char     *finish_reason,
                           const char     *error)
{
  g_return_if_fail (SAM_IS_MESSAGE (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (_sam_set_str (&self->finish_reason, finish_reason))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISH_REASON]);
  if (_sam_set_str (&self->error, error))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  g_object_thaw_notify (G_OBJECT (self));
}

gint64
sam_message_get_id (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), 0);
  return self->id;
}

gint64
sam_message_get_conversation_id (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), 0);
  return self->conversation_id;
}

SamMessageRole
sam_message_get_role (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), SAM_MESSAGE_ROLE_USER);
  return self->role;
}

const char *
sam_message_get_content (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), NULL);
  return self->content->str;
}

gsize
sam_message_get_content_length (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), 0);
  return self->content->len;
}

/* Replaces the text in memory only; sam_store_checkpoint_message() writes it. */
void
sam_message_set_content (SamMessage *self, const char *content)
{
  g_return_if_fail (SAM_IS_MESSAGE (self));

  if (content == NULL)
    content = "";
  if (strcmp (self->content->str, content) == 0)
    return;

  g_string_assign (self->content, content);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT]);
}

/* Appends a streaming delta in amortised constant time, whatever the length so far. */
void
sam_message_append_content (SamMessage *self, const char *delta, gssize length)
{
  g_autofree char *owned = NULL;

  g_return_if_fail (SAM_IS_MESSAGE (self));
  g_return_if_fail (delta != NULL || length == 0);

  if (length < 0)
    length = strlen (delta);
  if (length == 0)
    return;

  g_string_append_len (self->content, delta, length);

  if (delta[length] != '\0')
    delta = owned = g_strndup (delta, length);
  g_signal_emit (self, signals[CONTENT_APPENDED], 0, delta);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT]);
}

gint64
sam_message_get_created (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), 0);
  return self->created;
}

SamMessageState
sam_message_get_state (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), SAM_MESSAGE_STATE_COMPLETE);
  return self->state;
}

const char *
sam_message_get_model (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), NULL);
  return self->model;
}

const char *
sam_message_get_finish_reason (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), NULL);
  return self->finish_reason;
}

const char *
sam_message_get_error (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), NULL);
  return self->error;
}

/* -1 when unknown. */
gint64
sam_message_get_tokens_in (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), -1);
  return self->tokens_in;
}

gint64
sam_message_get_tokens_out (SamMessage *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE (self), -1);
  return self->tokens_out;
}

/* Token usage as the provider reported it (-1 for unknown); written by
 * sam_store_finish_message(). */
void
sam_message_set_usage (SamMessage *self, gint64 tokens_in, gint64 tokens_out)
{
  g_return_if_fail (SAM_IS_MESSAGE (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->tokens_in != tokens_in)
    {
      self->tokens_in = tokens_in;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKENS_IN]);
    }
  if (self->tokens_out != tokens_out)
    {
      self->tokens_out = tokens_out;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKENS_OUT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
sam_message_role_to_string (SamMessageRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);
  return role_names[role];
}

gboolean
sam_message_role_from_string (const char *string, SamMessageRole *role)
{
  for (guint i = 0; string != NULL && i < G_N_ELEMENTS (role_names); i++)
    {
      if (strcmp (string, role_names[i]) == 0)
        {
          *role = i;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
sam_message_state_to_string (SamMessageState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

gboolean
sam_message_state_from_string (const char *string, SamMessageState *state)
{
  for (guint i = 0; string != NULL && i < G_N_ELEMENTS (state_names); i++)
    {
      if (strcmp (string, state_names[i]) == 0)
        {
          *state = i;
          return TRUE;
        }
    }
  return FALSE;
}
