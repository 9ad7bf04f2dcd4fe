/* test-message-list.c — the GListModels of messages and conversations: items-changed, lazy
 * loading, and how fast a 100,000-message conversation opens.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>

#include "sam-test-util.h"
#include "store/sam-conversation-list.h"
#include "store/sam-message-list.h"
#include "store/sam-store-private.h"
#include "store/sam-store.h"

/* A copy of the model kept only from items-changed: if the signals are right, it always
 * equals the model, item for item. */
typedef struct
{
  GListModel *model;
  GPtrArray  *items;
  guint       emissions;
} Checker;

static void
checker_items_changed (
    GListModel *model, guint position, guint removed, guint added, Checker *checker)
{
  g_assert_cmpuint (position + removed, <=, checker->items->len);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, checker->items->len - removed + added);

  g_ptr_array_remove_range (checker->items, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (checker->items, position + i, g_list_model_get_item (model, position + i));
  checker->emissions++;
}

static Checker *
checker_new (GListModel *model)
{
  Checker *checker = g_new0 (Checker, 1);
  guint    n = g_list_model_get_n_items (model);

  checker->model = g_object_ref (model);
  checker->items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (checker->items, g_list_model_get_item (model, i));
  g_signal_connect (model, "items-changed", G_CALLBACK (checker_items_changed), checker);
  return checker;
}

static void
checker_verify (Checker *checker)
{
  guint n = g_list_model_get_n_items (checker->model);

  g_assert_cmpuint (n, ==, checker->items->len);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (checker->model, i);
      g_assert_true (item == g_ptr_array_index (checker->items, i));
    }
  g_assert_null (g_list_model_get_item (checker->model, n));
}

static void
checker_free (Checker *checker)
{
  g_signal_handlers_disconnect_by_data (checker->model, checker);
  g_object_unref (checker->model);
  g_ptr_array_unref (checker->items);
  g_free (checker);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Checker, checker_free)

static SamStore *
new_store (void)
{
  static guint counter;
  g_autoptr (GError) error = NULL;
  g_autofree char *path =
      g_strdup_printf ("%s/list-%u.db", sam_test_init_environment (), ++counter);
  SamStore *store = sam_store_new_for_path (path, &error);

  g_assert_no_error (error);
  return store;
}

static SamMessage *
append (SamStore *store, SamConversation *conversation, const char *text)
{
  g_autoptr (GError) error = NULL;
  SamMessage *message =
      sam_store_append_message (store, conversation, SAM_MESSAGE_ROLE_USER, text, &error);

  g_assert_no_error (error);
  return message;
}

static void
test_messages_items_changed (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = new_store ();
  g_autoptr (SamConversation) conversation = NULL;
  g_autoptr (SamConversation) other = NULL;
  g_autoptr (SamMessageList) list = NULL;
  g_autoptr (Checker) checker = NULL;
  g_autoptr (SamMessage) second = NULL;
  g_autoptr (SamMessage) reply = NULL;
  g_autoptr (SamMessage) item = NULL;

  conversation = sam_store_create_conversation (store, "c", SAM_CONVERSATION_KIND_NORMAL, &error);
  other = sam_store_create_conversation (store, "o", SAM_CONVERSATION_KIND_NORMAL, &error);
  g_object_unref (append (store, conversation, "one"));
  g_object_unref (append (store, other, "elsewhere"));
  second = append (store, conversation, "two");

  list = sam_message_list_new (store, conversation, &error);
  g_assert_no_error (error);
  g_assert_true (sam_message_list_get_conversation (list) == conversation);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == SAM_TYPE_MESSAGE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  checker = checker_new (G_LIST_MODEL (list));

  item = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (sam_message_get_content (item), ==, "one");
  g_clear_object (&item);

  /* The object the store handed out is the one in the list. */
  item = g_list_model_get_item (G_LIST_MODEL (list), 1);
  g_assert_true (item == second);
  g_clear_object (&item);

  /* Appending, here and elsewhere. */
  g_object_unref (append (store, other, "not here"));
  g_assert_cmpuint (checker->emissions, ==, 0);
  g_object_unref (append (store, conversation, "three"));
  g_assert_cmpuint (checker->emissions, ==, 1);
  checker_verify (checker);

  /* A streaming reply is the same object while it grows. */
  reply = sam_store_begin_assistant_message (store, conversation, NULL, &error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);
  item = g_list_model_get_item (G_LIST_MODEL (list), 3);
  g_assert_true (item == reply);
  sam_message_append_content (reply, "streamed", -1);
  g_assert_cmpstr (sam_message_get_content (item), ==, "streamed");
  g_clear_object (&item);
  checker_verify (checker);
  g_assert_cmpuint (sam_message_list_find (list, sam_message_get_id (reply)), ==, 3);
  g_assert_cmpuint (sam_message_list_find (list, sam_message_get_id (second)), ==, 1);
  g_assert_cmpuint (sam_message_list_find (list, 999999), ==, G_MAXUINT);

  /* Edit and resend: everything from the second message goes. */
  g_assert_true (
      sam_store_delete_messages_from (store, conversation, sam_message_get_id (second), &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  checker_verify (checker);
  g_assert_cmpuint (checker->emissions, ==, 3);

  /* Removing nothing says nothing. */
  g_assert_true (sam_store_delete_messages_from (store, conversation, G_MAXINT64, &error));
  g_assert_cmpuint (checker->emissions, ==, 3);

  g_object_unref (append (store, conversation, "two again"));
  checker_verify (checker);
  item = g_list_model_get_item (G_LIST_MODEL (list), 1);
  g_assert_cmpstr (sam_message_get_content (item), ==, "two again");
}

static guint rows_read;

static int
count_rows (unsigned type, void *context, void *p, void *x)
{
  rows_read++;
  return 0;
}

/* Fills CONVERSATION with N messages in one transaction, straight through SQL. */
static void
fill (SamStore *store, SamConversation *conversation, guint n)
{
  sqlite3 *db = _sam_store_get_db (store);
  g_autoptr (sqlite3_stmt) stmt = NULL;

  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO messages (conversation_id, role, content, "
                                       "created) VALUES (?1, ?2, ?3, ?4)",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("message number %u", i);

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, sam_conversation_get_id (conversation));
      sqlite3_bind_text (stmt, 2, i % 2 ? "assistant" : "user", -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, text, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 4, 1700000000000000 + i);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
    }
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
}

static void
test_lazy (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = new_store ();
  g_autoptr (SamConversation) conversation = NULL;
  g_autoptr (SamMessageList) list = NULL;
  g_autoptr (SamMessage) item = NULL;
  SamMessage *first = NULL;
  sqlite3    *db = _sam_store_get_db (store);

  conversation = sam_store_create_conversation (store, "big", SAM_CONVERSATION_KIND_NORMAL, &error);
  fill (store, conversation, 10000);

  sqlite3_trace_v2 (db, SQLITE_TRACE_ROW, count_rows, NULL);

  /* Opening reads one row per message: its id. */
  rows_read = 0;
  list = sam_message_list_new (store, conversation, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 10000);
  g_assert_cmpuint (rows_read, ==, 10000);

  /* One item reads one page; its neighbours come free. */
  rows_read = 0;
  item = g_list_model_get_item (G_LIST_MODEL (list), 5000);
  g_assert_cmpstr (sam_message_get_content (item), ==, "message number 5000");
  g_assert_cmpuint (rows_read, >, 0);
  g_assert_cmpuint (rows_read, <=, 64);
  g_clear_object (&item);
  rows_read = 0;
  item = g_list_model_get_item (G_LIST_MODEL (list), 5001);
  g_assert_cmpstr (sam_message_get_content (item), ==, "message number 5001");
  g_assert_cmpint (sam_message_get_role (item), ==, SAM_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpuint (rows_read, ==, 0);
  g_clear_object (&item);

  /* The last and the first. */
  item = g_list_model_get_item (G_LIST_MODEL (list), 9999);
  g_assert_cmpstr (sam_message_get_content (item), ==, "message number 9999");
  g_clear_object (&item);
  item = g_list_model_get_item (G_LIST_MODEL (list), 0);
  first = item;
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  g_clear_object (&item);
  g_assert_nonnull (first); /* still cached */

  /* Scrolling through the whole conversation keeps only a few pages in memory. */
  for (guint i = 0; i < 10000; i += 100)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));
  g_assert_null (first);

  sqlite3_trace_v2 (db, 0, NULL, NULL);
}

static void
test_open_100k (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = new_store ();
  g_autoptr (SamConversation) conversation = NULL;
  g_autoptr (SamMessageList) list = NULL;
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 start;

  conversation =
      sam_store_create_conversation (store, "very long", SAM_CONVERSATION_KIND_NORMAL, &error);
  start = g_get_monotonic_time ();
  fill (store, conversation, 100000);
  g_test_message ("wrote 100,000 messages in %.0f ms", (g_get_monotonic_time () - start) / 1000.0);

  /* Open, then read what a view shows first: the last screenful. */
  for (guint run = 0; run < 5; run++)
    {
      double ms;

      g_clear_object (&list);
      start = g_get_monotonic_time ();
      list = sam_message_list_new (store, conversation, &error);
      g_assert_no_error (error);
      for (guint i = 99970; i < 100000; i++)
        g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (times, ms);
    }

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 100000);
  g_test_message ("opened a 100,000-message conversation and read its last 30 rows in "
                  "%.1f / %.1f / %.1f / %.1f / %.1f ms (budget 150 ms)",
                  g_array_index (times, double, 0), g_array_index (times, double, 1),
                  g_array_index (times, double, 2), g_array_index (times, double, 3),
                  g_array_index (times, double, 4));
}

static void
test_conversations_items_changed (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = new_store ();
  g_autoptr (SamConversationList) list = NULL;
  g_autoptr (Checker) checker = NULL;
  SamConversation *c[5];

  for (guint i = 0; i < 3; i++)
    {
      c[i] = sam_store_create_conversation (store, "before", SAM_CONVERSATION_KIND_NORMAL, &error);
      g_usleep (1000);
    }
  list = sam_conversation_list_new (store, &error);
  g_assert_no_error (error);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == SAM_TYPE_CONVERSATION);
  checker = checker_new (G_LIST_MODEL (list));

  for (guint i = 3; i < 5; i++)
    {
      c[i] = sam_store_create_conversation (store, "after", SAM_CONVERSATION_KIND_NORMAL, &error);
      g_usleep (1000);
      checker_verify (checker);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 5);

  g_assert_true (sam_store_rename_conversation (store, c[2], "renamed", &error));
  checker_verify (checker);
  g_assert_true (sam_store_set_conversation_pinned (store, c[0], TRUE, &error));
  checker_verify (checker);
  g_assert_cmpuint (sam_conversation_list_find (list, sam_conversation_get_id (c[0])), ==, 0);
  g_object_unref (append (store, c[1], "bump"));
  checker_verify (checker);
  g_assert_cmpuint (sam_conversation_list_find (list, sam_conversation_get_id (c[1])), ==, 1);
  g_assert_true (sam_store_set_conversation_pinned (store, c[0], FALSE, &error));
  checker_verify (checker);
  g_assert_true (sam_store_delete_conversation (store, c[3], &error));
  checker_verify (checker);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);
  g_assert_true (sam_store_undelete_conversation (store, c[3], &error));
  checker_verify (checker);
  g_assert_true (sam_store_delete_conversation (store, c[4], &error));
  g_assert_true (sam_store_purge_conversation (store, c[4], &error));
  checker_verify (checker);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);

  /* An import reloads the list. */
  g_signal_emit_by_name (store, "conversations-reloaded");
  checker_verify (checker);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    g_object_unref (c[i]);
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/message-list/items-changed", test_messages_items_changed);
  g_test_add_func ("/message-list/lazy", test_lazy);
  g_test_add_func ("/message-list/open-100k", test_open_100k);
  g_test_add_func ("/conversation-list/items-changed", test_conversations_items_changed);

  return g_test_run ();
}
