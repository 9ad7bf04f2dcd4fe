/* sam-conversation-list.c — a GListModel of the conversations for the sidebar.
 *
 * It starts with the first conversations only and reads the rest when a later one is asked for,
 * searched or changed: starting Samantha with a thousand conversations reads the few it shows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-conversation-list.h"

struct _SamConversationList
{
  GObject parent_instance;

  SamStore  *store;
  GPtrArray *items;   /* all of them once COMPLETE, else the first ones */
  guint      n_items; /* how many there are, while not COMPLETE */
  gboolean   complete;
};

/* Enough for the sidebar of a tall window. */
#define FIRST_CONVERSATIONS 64

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SamConversationList,
                               sam_conversation_list,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum
{
  PROP_0,
  PROP_ITEM_TYPE,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Pinned first, then the most recently updated, then the newest. */
static int
compare_conversations (SamConversation *a, SamConversation *b)
{
  gint64 ua, ub, ia, ib;

  if (sam_conversation_get_pinned (a) != sam_conversation_get_pinned (b))
    return sam_conversation_get_pinned (a) ? -1 : 1;

  ua = sam_conversation_get_updated (a);
  ub = sam_conversation_get_updated (b);
  if (ua != ub)
    return ua > ub ? -1 : 1;

  ia = sam_conversation_get_id (a);
  ib = sam_conversation_get_id (b);
  return ia > ib ? -1 : ia < ib ? 1 : 0;
}

static guint
sorted_position (SamConversationList *self, SamConversation *conversation)
{
  guint low = 0;
  guint high = self->items->len;

  while (low < high)
    {
      guint mid = low + (high - low) / 2;

      if (compare_conversations (g_ptr_array_index (self->items, mid), conversation) < 0)
        low = mid + 1;
      else
        high = mid;
    }
  return low;
}

static gboolean
find_item (SamConversationList *self, SamConversation *conversation, guint *position)
{
  return g_ptr_array_find (self->items, conversation, position);
}

static GType
sam_conversation_list_get_item_type (GListModel *model)
{
  return SAM_TYPE_CONVERSATION;
}

static guint
sam_conversation_list_get_n_items (GListModel *model)
{
  SamConversationList *self = SAM_CONVERSATION_LIST (model);

  return self->complete ? self->items->len : self->n_items;
}

static void items_changed (SamConversationList *self, guint position, guint removed, guint added);

/* Reads the conversations after the first ones. They are read when the store says one was
 * added, changed or removed, after the change: then the list may already differ from the one
 * the model has shown (a conversation moved to the top, one more, one less), and the model
 * says all of it changed, once. */
static void
ensure_complete (SamConversationList *self)
{
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (GPtrArray) first = NULL;
  g_autoptr (GError) error = NULL;
  gboolean same;
  guint    listed;

  if (self->complete)
    return;
  if (!(items = sam_store_list_conversations (self->store, &error)))
    {
      g_warning ("Could not read the conversations: %s", error->message);
      return;
    }

  listed = self->n_items;
  first = g_steal_pointer (&self->items);
  self->items = g_steal_pointer (&items);
  self->complete = TRUE;
  same = listed == self->items->len;
  for (guint i = 0; same && i < first->len; i++)
    same = g_ptr_array_index (first, i) == g_ptr_array_index (self->items, i);
  if (!same)
    items_changed (self, 0, listed, self->items->len);
}

static gpointer
sam_conversation_list_get_item (GListModel *model, guint position)
{
  SamConversationList *self = SAM_CONVERSATION_LIST (model);

  if (position >= self->items->len)
    ensure_complete (self);
  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = sam_conversation_list_get_item_type;
  iface->get_n_items = sam_conversation_list_get_n_items;
  iface->get_item = sam_conversation_list_get_item;
}

static void
items_changed (SamConversationList *self, guint position, guint removed, guint added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
conversation_added_cb (SamConversationList *self, SamConversation *conversation, SamStore *store)
{
  guint position;

  ensure_complete (self);
  if (sam_conversation_get_deleted (conversation) || find_item (self, conversation, NULL))
    return;

  position = sorted_position (self, conversation);
  g_ptr_array_insert (self->items, position, g_object_ref (conversation));
  items_changed (self, position, 0, 1);
}

static void
conversation_removed_cb (SamConversationList *self, SamConversation *conversation, SamStore *store)
{
  guint position;

  ensure_complete (self);
  if (!find_item (self, conversation, &position))
    return;

  g_ptr_array_remove_index (self->items, position);
  items_changed (self, position, 1, 0);
}

static void
conversation_changed_cb (SamConversationList *self, SamConversation *conversation, SamStore *store)
{
  g_autoptr (SamConversation) hold = NULL;
  guint old_position;
  guint new_position;

  ensure_complete (self);
  if (!find_item (self, conversation, &old_position))
    return;

  hold = g_ptr_array_steal_index (self->items, old_position);
  new_position = sorted_position (self, conversation);
  g_ptr_array_insert (self->items, new_position, g_steal_pointer (&hold));

  if (new_position == old_position)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), old_position, 1, 1);
    }
  else
    {
      /* One change covering the span the conversation moved across. */
      guint first = MIN (old_position, new_position);
      guint span = MAX (old_position, new_position) - first + 1;

      g_list_model_items_changed (G_LIST_MODEL (self), first, span, span);
    }
}

static gboolean
reload (SamConversationList *self, GError **error)
{
  g_autoptr (GPtrArray) items = NULL;
  guint removed;

  if (!(items = sam_store_list_conversations (self->store, error)))
    return FALSE;

  removed = g_list_model_get_n_items (G_LIST_MODEL (self));
  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&items);
  self->complete = TRUE;

  if (removed || self->items->len)
    items_changed (self, 0, removed, self->items->len);
  return TRUE;
}

static void
conversations_reloaded_cb (SamConversationList *self, SamStore *store)
{
  g_autoptr (GError) error = NULL;

  if (!reload (self, &error))
    g_warning ("Could not reload the conversations: %s", error->message);
}

static void
sam_conversation_list_dispose (GObject *object)
{
  SamConversationList *self = SAM_CONVERSATION_LIST (object);

  g_clear_object (&self->store);

  G_OBJECT_CLASS (sam_conversation_list_parent_class)->dispose (object);
}

static void
sam_conversation_list_finalize (GObject *object)
{
  SamConversationList *self = SAM_CONVERSATION_LIST (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (sam_conversation_list_parent_class)->finalize (object);
}

static void
sam_conversation_list_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  SamConversationList *self = SAM_CONVERSATION_LIST (object);

  switch (prop_id)
    {
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, SAM_TYPE_CONVERSATION);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, g_list_model_get_n_items (G_LIST_MODEL (self)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_conversation_list_class_init (SamConversationListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sam_conversation_list_dispose;
  object_class->finalize = sam_conversation_list_finalize;
  object_class->get_property = sam_conversation_list_get_property;

  properties[PROP_ITEM_TYPE] = g_param_spec_gtype ("item-type", NULL, NULL, G_TYPE_OBJECT,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
      g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sam_conversation_list_init (SamConversationList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

SamConversationList *
sam_conversation_list_new (SamStore *store, GError **error)
{
  g_autoptr (SamConversationList) self = NULL;
  g_autoptr (GPtrArray) first = NULL;

  g_return_val_if_fail (SAM_IS_STORE (store), NULL);

  self = g_object_new (SAM_TYPE_CONVERSATION_LIST, NULL);
  self->store = g_object_ref (store);

  if (!sam_store_count_conversations (store, &self->n_items, error) ||
      !(first = sam_store_list_first_conversations (store, FIRST_CONVERSATIONS, error)))
    return NULL;
  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&first);
  self->complete = self->items->len >= self->n_items;

  g_signal_connect_object (store, "conversation-added", G_CALLBACK (conversation_added_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "conversation-removed", G_CALLBACK (conversation_removed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "conversation-changed", G_CALLBACK (conversation_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "conversations-reloaded", G_CALLBACK (conversations_reloaded_cb),
                           self, G_CONNECT_SWAPPED);

  return g_steal_pointer (&self);
}

/* The position of the conversation, or G_MAXUINT if it is not listed. */
guint
sam_conversation_list_find (SamConversationList *self, gint64 conversation_id)
{
  g_return_val_if_fail (SAM_IS_CONVERSATION_LIST (self), G_MAXUINT);

  ensure_complete (self);
  for (guint i = 0; i < self->items->len; i++)
    if (sam_conversation_get_id (g_ptr_array_index (self->items, i)) == conversation_id)
      return i;
  return G_MAXUINT;
}
