/* sam-message-list.c — a GListModel of one conversation's messages, loaded lazily in pages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-message-list.h"
#include "sam-store-private.h"

/* Rows are read PAGE_SIZE at a time; the last MAX_PAGES pages used stay in memory. A view
 * keeps its visible rows alive itself, and the store returns those same objects. */
#define PAGE_SIZE 64
#define MAX_PAGES 8

struct _SamMessageList
{
  GObject parent_instance;

  SamStore        *store;
  SamConversation *conversation;

  /* The id of every message, in order: position → id. */
  GArray *ids;

  /* page number → GPtrArray of SamMessage; lru holds the page numbers, most recent first. */
  GHashTable *pages;
  GQueue      lru;

  gulong added_handler;
  gulong removed_handler;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SamMessageList,
                               sam_message_list,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum
{
  PROP_0,
  PROP_CONVERSATION,
  PROP_ITEM_TYPE,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
drop_pages_from (SamMessageList *self, guint first_page)
{
  GList *l = self->lru.head;

  while (l)
    {
      GList *next = l->next;
      guint  page = GPOINTER_TO_UINT (l->data);

      if (page >= first_page)
        {
          g_hash_table_remove (self->pages, l->data);
          g_queue_delete_link (&self->lru, l);
        }
      l = next;
    }
}

static guint
lower_bound (SamMessageList *self, gint64 id)
{
  guint low = 0;
  guint high = self->ids->len;

  while (low < high)
    {
      guint mid = low + (high - low) / 2;

      if (g_array_index (self->ids, gint64, mid) < id)
        low = mid + 1;
      else
        high = mid;
    }
  return low;
}

static GPtrArray *
load_page (SamMessageList *self, guint page)
{
  g_autoptr (GError) error = NULL;
  g_auto (SamCachedStmt) stmt = NULL;
  GPtrArray *messages;
  guint      first = page * PAGE_SIZE;
  guint      last = MIN (first + PAGE_SIZE, self->ids->len) - 1;
  guint      position = first;
  int        rc;

  messages = g_ptr_array_new_full (last - first + 1, g_object_unref);

  stmt = _sam_store_prepare (self->store,
                             "SELECT " SAM_STORE_MESSAGE_COLUMNS " FROM messages "
                             "WHERE conversation_id = ?1 AND id BETWEEN ?2 AND ?3 ORDER BY id",
                             &error);
  if (stmt)
    {
      sqlite3_bind_int64 (stmt, 1, sam_conversation_get_id (self->conversation));
      sqlite3_bind_int64 (stmt, 2, g_array_index (self->ids, gint64, first));
      sqlite3_bind_int64 (stmt, 3, g_array_index (self->ids, gint64, last));

      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && position <= last)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);

          /* Rows another process deleted meanwhile become empty placeholders below. */
          while (position <= last && g_array_index (self->ids, gint64, position) < id)
            {
              g_ptr_array_add (messages, NULL);
              position++;
            }
          if (position <= last && g_array_index (self->ids, gint64, position) == id)
            {
              g_ptr_array_add (messages, _sam_store_message_from_row (self->store, stmt));
              position++;
            }
        }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        g_warning ("Could not read messages: %s", sqlite3_errmsg (_sam_store_get_db (self->store)));
    }
  else
    g_warning ("%s", error->message);

  for (; position <= last; position++)
    g_ptr_array_add (messages, NULL);

  for (guint i = 0; i < messages->len; i++)
    {
      if (g_ptr_array_index (messages, i) == NULL)
        g_ptr_array_index (messages, i) = _sam_message_new (
            g_array_index (self->ids, gint64, first + i),
            sam_conversation_get_id (self->conversation), SAM_MESSAGE_ROLE_ASSISTANT, "", 0,
            SAM_MESSAGE_STATE_COMPLETE, NULL, NULL, NULL, -1, -1);
    }

  return messages;
}

static GType
sam_message_list_get_item_type (GListModel *model)
{
  return SAM_TYPE_MESSAGE;
}

static guint
sam_message_list_get_n_items (GListModel *model)
{
  return SAM_MESSAGE_LIST (model)->ids->len;
}

static gpointer
sam_message_list_get_item (GListModel *model, guint position)
{
  SamMessageList *self = SAM_MESSAGE_LIST (model);
  SamMessage     *message;
  GPtrArray      *messages;
  guint           page;

  if (position >= self->ids->len)
    return NULL;

  if ((message =
           _sam_store_lookup_message (self->store, g_array_index (self->ids, gint64, position))))
    return message;

  page = position / PAGE_SIZE;
  if ((messages = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page))))
    {
      GList *link = g_queue_find (&self->lru, GUINT_TO_POINTER (page));

      g_queue_unlink (&self->lru, link);
      g_queue_push_head_link (&self->lru, link);
    }
  else
    {
      messages = load_page (self, page);
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), messages);
      g_queue_push_head (&self->lru, GUINT_TO_POINTER (page));

      while (self->lru.length > MAX_PAGES)
        g_hash_table_remove (self->pages, g_queue_pop_tail (&self->lru));
    }

  return g_object_ref (g_ptr_array_index (messages, position - page * PAGE_SIZE));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = sam_message_list_get_item_type;
  iface->get_n_items = sam_message_list_get_n_items;
  iface->get_item = sam_message_list_get_item;
}

static void
message_added_cb (SamMessageList *self, SamMessage *message, SamStore *store)
{
  gint64 id = sam_message_get_id (message);
  guint  position = self->ids->len;

  if (sam_message_get_conversation_id (message) != sam_conversation_get_id (self->conversation))
    return;

  /* The last page was read shorter than it now is. */
  drop_pages_from (self, position / PAGE_SIZE);
  g_array_append_val (self->ids, id);

  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
messages_removed_cb (SamMessageList *self,
                     gint64          conversation_id,
                     gint64          first_message_id,
                     SamStore       *store)
{
  guint position;
  guint removed;

  if (conversation_id != sam_conversation_get_id (self->conversation))
    return;

  position = lower_bound (self, first_message_id);
  removed = self->ids->len - position;
  if (removed == 0)
    return;

  drop_pages_from (self, position / PAGE_SIZE);
  g_array_set_size (self->ids, position);

  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
sam_message_list_dispose (GObject *object)
{
  SamMessageList *self = SAM_MESSAGE_LIST (object);

  g_clear_signal_handler (&self->added_handler, self->store);
  g_clear_signal_handler (&self->removed_handler, self->store);
  g_queue_clear (&self->lru);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_object (&self->conversation);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sam_message_list_parent_class)->dispose (object);
}

static void
sam_message_list_finalize (GObject *object)
{
  SamMessageList *self = SAM_MESSAGE_LIST (object);

  g_clear_pointer (&self->ids, g_array_unref);

  G_OBJECT_CLASS (sam_message_list_parent_class)->finalize (object);
}

static void
sam_message_list_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamMessageList *self = SAM_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION:
      g_value_set_object (value, self->conversation);
      break;
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, SAM_TYPE_MESSAGE);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->ids->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_message_list_class_init (SamMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sam_message_list_dispose;
  object_class->finalize = sam_message_list_finalize;
  object_class->get_property = sam_message_list_get_property;

  properties[PROP_CONVERSATION] = g_param_spec_object (
      "conversation", NULL, NULL, SAM_TYPE_CONVERSATION, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ITEM_TYPE] = g_param_spec_gtype ("item-type", NULL, NULL, G_TYPE_OBJECT,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
      g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sam_message_list_init (SamMessageList *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_queue_init (&self->lru);
}

/* Reads only the message ids (about 10 ms for 100,000 messages); rows come later, a page at a
 * time, when the view asks for them. */
SamMessageList *
sam_message_list_new (SamStore *store, SamConversation *conversation, GError **error)
{
  g_autoptr (SamMessageList) self = NULL;
  g_auto (SamCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SAM_IS_STORE (store), NULL);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), NULL);

  self = g_object_new (SAM_TYPE_MESSAGE_LIST, NULL);
  self->store = g_object_ref (store);
  self->conversation = g_object_ref (conversation);

  if (!(stmt = _sam_store_prepare (
            store, "SELECT id FROM messages WHERE conversation_id = ?1 ORDER BY id", error)))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, sam_conversation_get_id (conversation));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (self->ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, _sam_store_get_db (store), "read the messages");
      return NULL;
    }

  self->added_handler = g_signal_connect_object (
      store, "message-added", G_CALLBACK (message_added_cb), self, G_CONNECT_SWAPPED);
  self->removed_handler = g_signal_connect_object (
      store, "messages-removed", G_CALLBACK (messages_removed_cb), self, G_CONNECT_SWAPPED);

  return g_steal_pointer (&self);
}

SamConversation *
sam_message_list_get_conversation (SamMessageList *self)
{
  g_return_val_if_fail (SAM_IS_MESSAGE_LIST (self), NULL);
  return self->conversation;
}

/* The position of MESSAGE_ID (to scroll to a search hit), or G_MAXUINT if it is not here. */
guint
sam_message_list_find (SamMessageList *self, gint64 message_id)
{
  guint position;

  g_return_val_if_fail (SAM_IS_MESSAGE_LIST (self), G_MAXUINT);

  position = lower_bound (self, message_id);
  if (position < self->ids->len && g_array_index (self->ids, gint64, position) == message_id)
    return position;
  return G_MAXUINT;
}
