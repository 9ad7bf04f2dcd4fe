/* sam-search-hit.c — one result of a full-text search over all messages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-search-hit.h"

struct _SamSearchHit
{
  GObject parent_instance;

  gint64         conversation_id;
  gint64         message_id;
  char          *conversation_title;
  char          *snippet;
  gint64         created;
  SamMessageRole role;
};

G_DEFINE_FINAL_TYPE (SamSearchHit, sam_search_hit, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONVERSATION_ID,
  PROP_MESSAGE_ID,
  PROP_CONVERSATION_TITLE,
  PROP_ROLE,
  PROP_CREATED,
  PROP_SNIPPET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sam_search_hit_finalize (GObject *object)
{
  SamSearchHit *self = SAM_SEARCH_HIT (object);

  g_clear_pointer (&self->conversation_title, g_free);
  g_clear_pointer (&self->snippet, g_free);

  G_OBJECT_CLASS (sam_search_hit_parent_class)->finalize (object);
}

static void
sam_search_hit_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamSearchHit *self = SAM_SEARCH_HIT (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION_ID:
      g_value_set_int64 (value, self->conversation_id);
      break;
    case PROP_MESSAGE_ID:
      g_value_set_int64 (value, self->message_id);
      break;
    case PROP_CONVERSATION_TITLE:
      g_value_set_string (value, self->conversation_title);
      break;
    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;
    case PROP_CREATED:
      g_value_set_int64 (value, self->created);
      break;
    case PROP_SNIPPET:
      g_value_set_string (value, self->snippet);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_search_hit_class_init (SamSearchHitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags   ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = sam_search_hit_finalize;
  object_class->get_property = sam_search_hit_get_property;

  properties[PROP_CONVERSATION_ID] =
      g_param_spec_int64 ("conversation-id", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_MESSAGE_ID] = g_param_spec_int64 ("message-id", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_CONVERSATION_TITLE] =
      g_param_spec_string ("conversation-title", NULL, NULL, NULL, ro);
  properties[PROP_ROLE] =
      g_param_spec_enum ("role", NULL, NULL, SAM_TYPE_MESSAGE_ROLE, SAM_MESSAGE_ROLE_USER, ro);
  properties[PROP_CREATED] = g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_SNIPPET] = g_param_spec_string ("snippet", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sam_search_hit_init (SamSearchHit *self)
{
}

SamSearchHit *
sam_search_hit_new (gint64         conversation_id,
                    gint64         message_id,
                    const char    *conversation_title,
                    SamMessageRole role,
                    gint64         created,
                    const char    *snippet)
{
  SamSearchHit *self = g_object_new (SAM_TYPE_SEARCH_HIT, NULL);

  self->conversation_id = conversation_id;
  self->message_id = message_id;
  self->conversation_title = g_strdup (conversation_title ? conversation_title : "");
  self->role = role;
  self->created = created;
  self->snippet = g_strdup (snippet ? snippet : "");

  return self;
}

gint64
sam_search_hit_get_conversation_id (SamSearchHit *self)
{
  g_return_val_if_fail (SAM_IS_SEARCH_HIT (self), 0);
  return self->conversation_id;
}

gint64
sam_search_hit_get_message_id (SamSearchHit *self)
{
  g_return_val_if_fail (SAM_IS_SEARCH_HIT (self), 0);
  return self->message_id;
}

const char *
sam_search_hit_get_conversation_title (SamSearchHit *self)
{
  g_return_val_if_fail (SAM_IS_SEARCH_HIT (self), NULL);
  return self->conversation_title;
}

SamMessageRole
sam_search_hit_get_role (SamSearchHit *self)
{
  g_return_val_if_fail (SAM_IS_SEARCH_HIT (self), SAM_MESSAGE_ROLE_USER);
  return self->role;
}

gint64
sam_search_hit_get_created (SamSearchHit *self)
{
  g_return_val_if_fail (SAM_IS_SEARCH_HIT (self), 0);
  return self->created;
}

/* Plain text with each hit between SAM_SEARCH_HIT_START and SAM_SEARCH_HIT_END. */
const char *
sam_search_hit_get_snippet (SamSearchHit *self)
{
  g_return_val_if_fail (SAM_IS_SEARCH_HIT (self), NULL);
  return self->snippet;
}

/* The snippet as Pango markup: the text escaped, each hit in <b>…</b>. */
char *
sam_search_hit_dup_snippet_markup (SamSearchHit *self)
{
  GString *markup;

  g_return_val_if_fail (SAM_IS_SEARCH_HIT (self), NULL);

  markup = g_string_new (NULL);
  for (const char *p = self->snippet; *p;)
    {
      const char *next = strpbrk (p, SAM_SEARCH_HIT_START SAM_SEARCH_HIT_END);
      gsize       length = next ? (gsize) (next - p) : strlen (p);
      char       *escaped = g_markup_escape_text (p, length);

      g_string_append (markup, escaped);
      g_free (escaped);

      if (next == NULL)
        break;
      g_string_append (markup, *next == SAM_SEARCH_HIT_START[0] ? "<b>" : "</b>");
      p = next + 1;
    }

  return g_string_free (markup, FALSE);
}
