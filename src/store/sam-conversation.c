/* sam-conversation.c — one stored conversation: title, times, pin, kind and draft.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-conversation.h"
#include "sam-store-private.h"

struct _SamConversation
{
  GObject parent_instance;

  gint64              id;
  char               *uuid;
  char               *title;
  char               *draft;
  gint64              created;
  gint64              updated;
  SamConversationKind kind;
  guint               pinned : 1;
  guint               deleted : 1;
};

G_DEFINE_FINAL_TYPE (SamConversation, sam_conversation, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (SamConversationKind,
                    sam_conversation_kind,
                    G_DEFINE_ENUM_VALUE (SAM_CONVERSATION_KIND_NORMAL, "normal"),
                    G_DEFINE_ENUM_VALUE (SAM_CONVERSATION_KIND_QUICK_REPLY, "quick-reply"),
                    G_DEFINE_ENUM_VALUE (SAM_CONVERSATION_KIND_TEMPORARY, "temporary"))

enum
{
  PROP_0,
  PROP_ID,
  PROP_UUID,
  PROP_TITLE,
  PROP_KIND,
  PROP_CREATED,
  PROP_UPDATED,
  PROP_PINNED,
  PROP_DELETED,
  PROP_DRAFT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *kind_names[] = { "normal", "quick-reply", "temporary" };

static void
sam_conversation_finalize (GObject *object)
{
  SamConversation *self = SAM_CONVERSATION (object);

  g_clear_pointer (&self->uuid, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->draft, g_free);

  G_OBJECT_CLASS (sam_conversation_parent_class)->finalize (object);
}

static void
sam_conversation_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamConversation *self = SAM_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_UUID:
      g_value_set_string (value, self->uuid);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_CREATED:
      g_value_set_int64 (value, self->created);
      break;
    case PROP_UPDATED:
      g_value_set_int64 (value, self->updated);
      break;
    case PROP_PINNED:
      g_value_set_boolean (value, self->pinned);
      break;
    case PROP_DELETED:
      g_value_set_boolean (value, self->deleted);
      break;
    case PROP_DRAFT:
      g_value_set_string (value, self->draft);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_conversation_class_init (SamConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags   ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = sam_conversation_finalize;
  object_class->get_property = sam_conversation_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, ro);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, "", ro);
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, SAM_TYPE_CONVERSATION_KIND,
                                             SAM_CONVERSATION_KIND_NORMAL, ro);
  properties[PROP_CREATED] = g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_UPDATED] = g_param_spec_int64 ("updated", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_PINNED] = g_param_spec_boolean ("pinned", NULL, NULL, FALSE, ro);
  properties[PROP_DELETED] = g_param_spec_boolean ("deleted", NULL, NULL, FALSE, ro);
  properties[PROP_DRAFT] = g_param_spec_string ("draft", NULL, NULL, "", ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sam_conversation_init (SamConversation *self)
{
}

SamConversation *
_sam_conversation_new (gint64              id,
                       const char         *uuid,
                       const char         *title,
                       SamConversationKind kind,
                       gint64              created,
                       gint64              updated,
                       gboolean            pinned,
                       gboolean            deleted,
                       const char         *draft)
{
  SamConversation *self = g_object_new (SAM_TYPE_CONVERSATION, NULL);

  self->id = id;
  self->uuid = g_strdup (uuid);
  self->title = g_strdup (title ? title : "");
  self->kind = kind;
  self->created = created;
  self->updated = updated;
  self->pinned = !!pinned;
  self->deleted = !!deleted;
  self->draft = g_strdup (draft ? draft : "");

  return self;
}

void
_sam_conversation_set_title (SamConversation *self, const char *title)
{
  if (_sam_set_str (&self->title, title ? title : ""))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

void
_sam_conversation_set_updated (SamConversation *self, gint64 updated)
{
  if (self->updated != updated)
    {
      self->updated = updated;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED]);
    }
}

void
_sam_conversation_set_pinned (SamConversation *self, gboolean pinned)
{
  if (self->pinned != !!pinned)
    {
      self->pinned = !!pinned;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PINNED]);
    }
}

void
_sam_conversation_set_deleted (SamConversation *self, gboolean deleted)
{
  if (self->deleted != !!deleted)
    {
      self->deleted = !!deleted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELETED]);
    }
}

void
_sam_conversation_set_draft (SamConversation *self, const char *draft)
{
  if (_sam_set_str (&self->draft, draft ? draft : ""))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAFT]);
}

gint64
sam_conversation_get_id (SamConversation *self)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION (self), 0);
  return self->id;
}

/* A stable identity that survives export and import (a ChatGPT conversation keeps its id). */
const char *
sam_conversation_get_uuid (SamConversation *self)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION (self), NULL);
  return self->uuid;
}

/* The empty string until a title is given; the view shows a placeholder then. */
const char *
sam_conversation_get_title (SamConversation *self)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION (self), NULL);
  return self->title;
}

SamConversationKind
sam_conversation_get_kind (SamConversation *self)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION (self), SAM_CONVERSATION_KIND_NORMAL);
  return self->kind;
}

gint64
sam_conversation_get_created (SamConversation *self)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION (self), 0);
  return self->created;
}

gint64
sam_conversation_get_updated (SamConversation *self)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION (self), 0);
  return self->updated;
}

gboolean
sam_conversation_get_pinned (SamConversation *self)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION (self), FALSE);
  return self->pinned;
}

gboolean
sam_conversation_get_deleted (SamConversation *self)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION (self), FALSE);
  return self->deleted;
}

const char *
sam_conversation_get_draft (SamConversation *self)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION (self), NULL);
  return self->draft;
}

const char *
sam_conversation_kind_to_string (SamConversationKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

gboolean
sam_conversation_kind_from_string (const char *string, SamConversationKind *kind)
{
  for (guint i = 0; string != NULL && i < G_N_ELEMENTS (kind_names); i++)
    {
      if (strcmp (string, kind_names[i]) == 0)
        {
          *kind = i;
          return TRUE;
        }
    }
  return FALSE;
}
