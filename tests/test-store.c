/* test-store.c — SamStore: conversations, messages, WAL, search, interruption, safety counts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <unistd.h>

#include "sam-test-util.h"
#include "store/sam-conversation-list.h"
#include "store/sam-search-hit.h"
#include "store/sam-store-private.h"
#include "store/sam-store.h"

/* Connected swapped: counts how often a signal was emitted. */
static void
count_emission (guint *counter)
{
  (*counter)++;
}

static char *
new_db_path (void)
{
  static guint counter;
  const char  *home = sam_test_init_environment ();

  return g_strdup_printf ("%s/store-%u-%u.db", home, (guint) getpid (), ++counter);
}

/* A connection of our own, as another process would have. */
static sqlite3 *
open_raw (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  return db;
}

static char *
query_text (sqlite3 *db, const char *sql)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

static gint64
query_int (sqlite3 *db, const char *sql)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static SamStore *
open_store (const char *path)
{
  g_autoptr (GError) error = NULL;
  SamStore *store = sam_store_new_for_path (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
append_text (SamStore *store, SamConversation *conversation, SamMessageRole role, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamMessage) message =
      sam_store_append_message (store, conversation, role, text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
}

static void
test_open_default_path (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *mode = NULL;
  sqlite3         *db;

  sam_test_init_environment ();
  expected = g_build_filename (g_getenv ("XDG_DATA_HOME"), "samantha", "samantha.db", NULL);

  store = sam_store_new (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (sam_store_get_path (store), ==, expected);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));

  db = _sam_store_get_db (store);
  mode = query_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (query_int (db, "PRAGMA synchronous"), ==, 1); /* NORMAL */
  g_assert_cmpint (query_int (db, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, SAM_STORE_SCHEMA_VERSION);
}

static void
test_conversations (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  g_autoptr (SamStore) store = open_store (path);
  g_autoptr (SamConversation) a = NULL;
  g_autoptr (SamConversation) b = NULL;
  g_autoptr (SamConversation) again = NULL;
  g_autoptr (GPtrArray) list = NULL;
  guint  changed = 0;
  gint64 a_id;

  a = sam_store_create_conversation (store, "First", SAM_CONVERSATION_KIND_NORMAL, &error);
  g_assert_no_error (error);
  b = sam_store_create_conversation (store, NULL, SAM_CONVERSATION_KIND_QUICK_REPLY, &error);
  g_assert_no_error (error);
  a_id = sam_conversation_get_id (a);

  g_assert_cmpstr (sam_conversation_get_title (a), ==, "First");
  g_assert_cmpstr (sam_conversation_get_title (b), ==, "");
  g_assert_cmpint (sam_conversation_get_kind (b), ==, SAM_CONVERSATION_KIND_QUICK_REPLY);
  g_assert_true (g_uuid_string_is_valid (sam_conversation_get_uuid (a)));
  g_assert_cmpint (sam_conversation_get_created (a), >, 0);

  /* One object per id. */
  again = sam_store_get_conversation (store, a_id, &error);
  g_assert_no_error (error);
  g_assert_true (again == a);

  g_signal_connect_swapped (a, "notify::title", G_CALLBACK (count_emission), &changed);
  g_assert_true (sam_store_rename_conversation (store, a, "Renamed", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sam_conversation_get_title (a), ==, "Renamed");
  g_assert_cmpuint (changed, ==, 1);

  /* Newest first; pinned before everything. */
  list = sam_store_list_conversations (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_true (g_ptr_array_index (list, 0) == b);
  g_clear_pointer (&list, g_ptr_array_unref);

  g_assert_true (sam_store_set_conversation_pinned (store, a, TRUE, &error));
  g_assert_true (sam_conversation_get_pinned (a));
  list = sam_store_list_conversations (store, &error);
  g_assert_true (g_ptr_array_index (list, 0) == a);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Everything survives closing and opening again. */
  g_clear_object (&again);
  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&store);
  store = open_store (path);
  a = sam_store_get_conversation (store, a_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sam_conversation_get_title (a), ==, "Renamed");
  g_assert_true (sam_conversation_get_pinned (a));

  g_assert_null (sam_store_get_conversation (store, 999999, &error));
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NOT_FOUND);
}

static void
test_list_ordering (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  g_autoptr (SamStore) store = open_store (path);
  g_autoptr (SamConversationList) list = NULL;
  SamConversation *c[4];

  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    {
      g_autofree char *title = g_strdup_printf ("c%u", i);
      c[i] = sam_store_create_conversation (store, title, SAM_CONVERSATION_KIND_NORMAL, &error);
      g_assert_no_error (error);
      g_usleep (2000);
    }

  list = sam_conversation_list_new (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);
  /* newest first: c3 c2 c1 c0 */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr (SamConversation) item = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_assert_true (item == c[3 - i]);
    }

  /* A message moves its conversation to the top. */
  g_usleep (2000);
  append_text (store, c[0], SAM_MESSAGE_ROLE_USER, "hello");
  g_assert_cmpuint (sam_conversation_list_find (list, sam_conversation_get_id (c[0])), ==, 0);

  /* A pinned one goes above it. */
  g_assert_true (sam_store_set_conversation_pinned (store, c[1], TRUE, &error));
  g_assert_cmpuint (sam_conversation_list_find (list, sam_conversation_get_id (c[1])), ==, 0);
  g_assert_cmpuint (sam_conversation_list_find (list, sam_conversation_get_id (c[0])), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    g_object_unref (c[i]);
}

/* A long list starts with its first conversations only; asking for a later one, finding one, or
 * a change to one it has not read yet reads the rest, in the same order. */
/* A copy of a list model kept through its items-changed signals only, as a list view keeps
 * one: NULL for the items it has not read. */
static void
mirror_items_changed_cb (
    GListModel *model, guint position, guint removed, guint added, GPtrArray *mirror)
{
  g_ptr_array_remove_range (mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (mirror, position + i, g_list_model_get_item (model, position + i));
}

static void
unref_item (gpointer item)
{
  if (item != NULL)
    g_object_unref (item);
}

static void
assert_mirror (GListModel *model, GPtrArray *mirror)
{
  g_assert_cmpuint (mirror->len, ==, g_list_model_get_n_items (model));
  for (guint i = 0; i < mirror->len; i++)
    if (g_ptr_array_index (mirror, i) != NULL)
      {
        g_autoptr (GObject) item = g_list_model_get_item (model, i);

        g_assert_true (item == g_ptr_array_index (mirror, i));
      }
}

static void
test_list_long (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  g_autoptr (SamStore) store = open_store (path);
  g_autoptr (GPtrArray) c = g_ptr_array_new_with_free_func (g_object_unref);
  const guint n = 150;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf ("c%u", i);

      g_ptr_array_add (
          c, sam_store_create_conversation (store, title, SAM_CONVERSATION_KIND_NORMAL, &error));
      g_assert_no_error (error);
    }

  /* Reading a late item: newest first throughout. */
  {
    g_autoptr (SamConversationList) list = sam_conversation_list_new (store, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);
    for (guint i = 0; i < n; i++)
      {
        g_autoptr (SamConversation) item = g_list_model_get_item (G_LIST_MODEL (list), n - 1 - i);

        g_assert_true (item == g_ptr_array_index (c, i));
      }
    g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), n));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);
  }

  /* Finding an old one. */
  {
    g_autoptr (SamConversationList) list = sam_conversation_list_new (store, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (
        sam_conversation_list_find (list, sam_conversation_get_id (g_ptr_array_index (c, 10))), ==,
        n - 1 - 10);
  }

  /* Pinning the oldest, then deleting the second oldest, before either was read. A view that
   * read only the first rows still shows what the list holds. */
  {
    g_autoptr (SamConversationList) list = sam_conversation_list_new (store, &error);
    g_autoptr (GPtrArray) mirror = g_ptr_array_new_with_free_func (unref_item);
    g_autoptr (SamConversation) first = NULL;
    g_autoptr (SamConversation) second = NULL;
    g_autoptr (SamConversation) last = NULL;

    g_assert_no_error (error);
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
      g_ptr_array_add (mirror, i < 10 ? g_list_model_get_item (G_LIST_MODEL (list), i) : NULL);
    g_signal_connect (list, "items-changed", G_CALLBACK (mirror_items_changed_cb), mirror);
    g_assert_true (
        sam_store_set_conversation_pinned (store, g_ptr_array_index (c, 0), TRUE, &error));
    g_assert_no_error (error);
    assert_mirror (G_LIST_MODEL (list), mirror);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);
    first = g_list_model_get_item (G_LIST_MODEL (list), 0);
    second = g_list_model_get_item (G_LIST_MODEL (list), 1);
    g_assert_true (first == g_ptr_array_index (c, 0));
    g_assert_true (second == g_ptr_array_index (c, n - 1));

    g_assert_true (sam_store_delete_conversation (store, g_ptr_array_index (c, 1), &error));
    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n - 1);
    last = g_list_model_get_item (G_LIST_MODEL (list), n - 2);
    g_assert_true (last == g_ptr_array_index (c, 2));
    assert_mirror (G_LIST_MODEL (list), mirror);
    g_signal_handlers_disconnect_by_func (list, mirror_items_changed_cb, mirror);
  }

  /* A conversation that moves to the top (a new message) before the rest was read. */
  {
    g_autoptr (SamConversationList) list = sam_conversation_list_new (store, &error);
    g_autoptr (GPtrArray) mirror = g_ptr_array_new_with_free_func (unref_item);
    g_autoptr (SamConversation) top = NULL;
    SamConversation *moved = g_ptr_array_index (c, n - 5);

    g_assert_no_error (error);
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
      g_ptr_array_add (mirror, i < 10 ? g_list_model_get_item (G_LIST_MODEL (list), i) : NULL);
    g_signal_connect (list, "items-changed", G_CALLBACK (mirror_items_changed_cb), mirror);
    append_text (store, moved, SAM_MESSAGE_ROLE_USER, "hello again");
    /* Pinned first, then the one just written to. */
    top = g_list_model_get_item (G_LIST_MODEL (list), 1);
    g_assert_true (top == moved);
    assert_mirror (G_LIST_MODEL (list), mirror);
    g_signal_handlers_disconnect_by_func (list, mirror_items_changed_cb, mirror);
  }
}

static void
test_messages (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  g_autoptr (SamStore) store = open_store (path);
  g_autoptr (SamConversation) conversation = NULL;
  g_autoptr (SamMessage) user = NULL;
  g_autoptr (SamMessage) reply = NULL;
  g_autoptr (SamMessage) fetched = NULL;
  g_autoptr (GPtrArray) recent = NULL;
  g_autofree char *text = NULL;
  g_autoptr (sqlite3) raw = NULL;
  gint64 updated;

  conversation =
      sam_store_create_conversation (store, "Chat", SAM_CONVERSATION_KIND_NORMAL, &error);
  updated = sam_conversation_get_updated (conversation);
  g_usleep (1000);

  user = sam_store_append_message (store, conversation, SAM_MESSAGE_ROLE_USER, "Hi there", &error);
  g_assert_no_error (error);
  g_assert_cmpint (sam_message_get_state (user), ==, SAM_MESSAGE_STATE_COMPLETE);
  g_assert_cmpint (sam_conversation_get_updated (conversation), >, updated);

  /* Committed before anything is sent: another connection sees it at once. */
  raw = open_raw (path);
  text = query_text (raw, "SELECT content FROM messages WHERE role = 'user'");
  g_assert_cmpstr (text, ==, "Hi there");
  g_clear_pointer (&text, g_free);

  reply = sam_store_begin_assistant_message (store, conversation, "test-model", &error);
  g_assert_no_error (error);
  g_assert_cmpint (sam_message_get_state (reply), ==, SAM_MESSAGE_STATE_STREAMING);
  g_assert_cmpstr (sam_message_get_model (reply), ==, "test-model");
  g_assert_cmpint (sam_message_get_id (reply), >, sam_message_get_id (user));

  sam_message_append_content (reply, "Hello", -1);
  sam_message_append_content (reply, ", you!xyz", 6);
  g_assert_cmpstr (sam_message_get_content (reply), ==, "Hello, you!");
  g_assert_true (sam_store_checkpoint_message (store, reply, &error));
  g_assert_no_error (error);
  /* The writer thread saves it a moment later. */
  sam_store_wait_for_checkpoints (store);
  text = query_text (raw, "SELECT content || '|' || state FROM messages WHERE role = 'assistant'");
  g_assert_cmpstr (text, ==, "Hello, you!|streaming");
  g_clear_pointer (&text, g_free);

  sam_message_append_content (reply, " Bye.", -1);
  sam_message_set_usage (reply, 12, 5);
  g_assert_true (
      sam_store_finish_message (store, reply, SAM_MESSAGE_STATE_COMPLETE, "stop", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sam_message_get_state (reply), ==, SAM_MESSAGE_STATE_COMPLETE);
  g_assert_cmpstr (sam_message_get_finish_reason (reply), ==, "stop");
  text = query_text (raw, "SELECT content || '|' || state || '|' || finish_reason || '|' || "
                          "tokens_in || '|' || tokens_out || '|' || ifnull (writer_pid, 'none') "
                          "FROM messages WHERE role = 'assistant'");
  g_assert_cmpstr (text, ==, "Hello, you! Bye.|complete|stop|12|5|none");
  g_clear_pointer (&text, g_free);

  /* A checkpoint that comes after the end of the reply does not take its text back. */
  sam_message_append_content (reply, " Late words.", -1);
  g_assert_true (sam_store_checkpoint_message (store, reply, &error));
  sam_store_wait_for_checkpoints (store);
  text = query_text (raw, "SELECT content FROM messages WHERE role = 'assistant'");
  g_assert_cmpstr (text, ==, "Hello, you! Bye.");
  g_clear_pointer (&text, g_free);

  /* A failed reply keeps its partial text and the error sentence. */
  {
    g_autoptr (SamMessage) failed =
        sam_store_begin_assistant_message (store, conversation, NULL, &error);
    sam_message_append_content (failed, "Partial", -1);
    g_assert_true (sam_store_finish_message (store, failed, SAM_MESSAGE_STATE_FAILED, NULL,
                                             "The server is overloaded.", &error));
    g_assert_cmpstr (sam_message_get_error (failed), ==, "The server is overloaded.");
  }

  g_assert_cmpuint (sam_store_count_messages (store, conversation, &error), ==, 3);
  recent = sam_store_get_recent_messages (store, conversation, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 2);
  g_assert_true (g_ptr_array_index (recent, 0) == reply);
  g_assert_cmpint (sam_message_get_state (g_ptr_array_index (recent, 1)), ==,
                   SAM_MESSAGE_STATE_FAILED);

  fetched = sam_store_get_message (store, sam_message_get_id (user), &error);
  g_assert_true (fetched == user);

  /* Regenerate: delete from the reply on. */
  g_assert_true (
      sam_store_delete_messages_from (store, conversation, sam_message_get_id (reply), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sam_store_count_messages (store, conversation, &error), ==, 1);
  g_clear_object (&fetched);
  fetched = sam_store_get_message (store, sam_message_get_id (reply), &error);
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NOT_FOUND);
  g_assert_null (fetched);
}

static void
test_draft (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  g_autoptr (SamStore) store = open_store (path);
  g_autoptr (SamConversation) conversation = NULL;
  gint64 id, updated;

  conversation =
      sam_store_create_conversation (store, "Draft", SAM_CONVERSATION_KIND_NORMAL, &error);
  id = sam_conversation_get_id (conversation);
  updated = sam_conversation_get_updated (conversation);
  g_assert_cmpstr (sam_conversation_get_draft (conversation), ==, "");

  g_assert_true (sam_store_set_conversation_draft (store, conversation, "half a thought", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sam_conversation_get_draft (conversation), ==, "half a thought");
  g_assert_cmpint (sam_conversation_get_updated (conversation), ==, updated);

  g_clear_object (&conversation);
  g_clear_object (&store);
  store = open_store (path);
  conversation = sam_store_get_conversation (store, id, &error);
  g_assert_cmpstr (sam_conversation_get_draft (conversation), ==, "half a thought");

  g_assert_true (sam_store_set_conversation_draft (store, conversation, NULL, &error));
  g_assert_cmpstr (sam_conversation_get_draft (conversation), ==, "");
}

static guint
count_hits (SamStore *store, const char *query)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GListModel) hits = sam_store_search (store, query, 0, &error);

  g_assert_no_error (error);
  return g_list_model_get_n_items (hits);
}

static void
search_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GListModel **hits = user_data;
  g_autoptr (GError) error = NULL;

  *hits = sam_store_search_finish (SAM_STORE (object), result, &error);
  g_assert_no_error (error);
}

static void
test_search (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  g_autoptr (SamStore) store = open_store (path);
  g_autoptr (SamConversation) a = NULL;
  g_autoptr (SamConversation) b = NULL;
  g_autoptr (SamMessage) m1 = NULL;
  g_autoptr (SamMessage) m2 = NULL;
  g_autoptr (SamMessage) streaming = NULL;
  g_autoptr (GListModel) hits = NULL;
  g_autoptr (GListModel) async_hits = NULL;
  g_autoptr (SamSearchHit) hit = NULL;
  g_autofree char *markup = NULL;

  a = sam_store_create_conversation (store, "Garden", SAM_CONVERSATION_KIND_NORMAL, &error);
  b = sam_store_create_conversation (store, "Café", SAM_CONVERSATION_KIND_NORMAL, &error);
  m1 = sam_store_append_message (store, a, SAM_MESSAGE_ROLE_USER,
                                 "I was running through the <garden> with my dog", &error);
  m2 = sam_store_append_message (store, b, SAM_MESSAGE_ROLE_ASSISTANT,
                                 "Le café était très bon, and the dog slept.", &error);
  g_assert_no_error (error);

  /* Porter stemming: "runs" finds "running". */
  hits = sam_store_search (store, "runs", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 1);
  hit = g_list_model_get_item (hits, 0);
  g_assert_cmpint (sam_search_hit_get_message_id (hit), ==, sam_message_get_id (m1));
  g_assert_cmpint (sam_search_hit_get_conversation_id (hit), ==, sam_conversation_get_id (a));
  g_assert_cmpstr (sam_search_hit_get_conversation_title (hit), ==, "Garden");
  g_assert_cmpint (sam_search_hit_get_role (hit), ==, SAM_MESSAGE_ROLE_USER);
  g_assert_nonnull (strstr (sam_search_hit_get_snippet (hit), "\001running\002"));
  markup = sam_search_hit_dup_snippet_markup (hit);
  g_assert_nonnull (strstr (markup, "<b>running</b>"));
  g_assert_nonnull (strstr (markup, "&lt;garden&gt;"));
  g_clear_object (&hit);
  g_clear_object (&hits);

  /* Diacritics folded; every word must match; the last word is a prefix. */
  g_assert_cmpuint (count_hits (store, "cafe"), ==, 1);
  g_assert_cmpuint (count_hits (store, "dog"), ==, 2);
  g_assert_cmpuint (count_hits (store, "dog garden"), ==, 1);
  g_assert_cmpuint (count_hits (store, "gard"), ==, 1);
  g_assert_cmpuint (count_hits (store, "zebra"), ==, 0);

  /* Newest first. */
  hits = sam_store_search (store, "dog", 10, &error);
  hit = g_list_model_get_item (hits, 0);
  g_assert_cmpint (sam_search_hit_get_message_id (hit), ==, sam_message_get_id (m2));
  g_clear_object (&hit);
  g_clear_object (&hits);

  /* FTS syntax in user text is only text. */
  g_assert_cmpuint (count_hits (store, "\"dog"), ==, 2);
  g_assert_cmpuint (count_hits (store, "dog AND (NOT"), ==, 0);
  g_assert_cmpuint (count_hits (store, "dog*"), ==, 2);
  g_assert_cmpuint (count_hits (store, "  "), ==, 0);
  g_assert_cmpuint (count_hits (store, "-:^"), ==, 0);

  /* A streaming reply is found once it is finished. */
  streaming = sam_store_begin_assistant_message (store, a, NULL, &error);
  sam_message_append_content (streaming, "a zebra appeared", -1);
  g_assert_true (sam_store_checkpoint_message (store, streaming, &error));
  g_assert_cmpuint (count_hits (store, "zebra"), ==, 0);
  g_assert_true (sam_store_finish_message (store, streaming, SAM_MESSAGE_STATE_COMPLETE, "stop",
                                           NULL, &error));
  g_assert_cmpuint (count_hits (store, "zebra"), ==, 1);

  /* Edits reindex: deleting the reply takes it out of the index. */
  g_assert_true (sam_store_delete_messages_from (store, a, sam_message_get_id (streaming), &error));
  g_assert_cmpuint (count_hits (store, "zebra"), ==, 0);

  /* Deleted conversations are not searched; undo brings them back. */
  g_assert_true (sam_store_delete_conversation (store, b, &error));
  g_assert_cmpuint (count_hits (store, "dog"), ==, 1);
  g_assert_true (sam_store_undelete_conversation (store, b, &error));
  g_assert_cmpuint (count_hits (store, "dog"), ==, 2);

  /* The same search in a thread. */
  sam_store_search_async (store, "dog", 10, NULL, search_done_cb, &async_hits);
  while (async_hits == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (async_hits), ==, 2);

  /* The limit holds. */
  g_assert_cmpuint (g_list_model_get_n_items (hits = sam_store_search (store, "dog", 1, &error)),
                    ==, 1);
}

/* A finished reply is indexed for search by the store's writer thread. One that a process left
 * unindexed when it stopped is indexed at the next start, and one deleted before it was indexed
 * leaves the index sound. */
static void
test_index_pending (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  g_autoptr (SamStore) store = open_store (path);
  g_autoptr (SamConversation) conversation = NULL;
  g_autofree char *sql = NULL;
  sqlite3         *raw = NULL;

  conversation =
      sam_store_create_conversation (store, "Birds", SAM_CONVERSATION_KIND_NORMAL, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  /* As finish_message leaves two replies when the process stops before its writer ran. */
  g_assert_cmpint (sqlite3_open (path, &raw), ==, SQLITE_OK);
  sql = g_strdup_printf ("INSERT INTO messages (id, conversation_id, role, content, created, state)"
                         "  VALUES (100, %" G_GINT64_FORMAT ", 'assistant', 'a heron waited', 1, "
                         "'streaming'),"
                         "  (101, %" G_GINT64_FORMAT ", 'assistant', 'an otter swam', 1, "
                         "'streaming');"
                         "INSERT INTO messages_fts_pending (id) VALUES (100), (101);"
                         "UPDATE messages SET state = 'complete' WHERE id IN (100, 101);",
                         sam_conversation_get_id (conversation),
                         sam_conversation_get_id (conversation));
  g_assert_cmpint (sqlite3_exec (raw, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (query_int (raw, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH "
                                   "'heron OR otter'"),
                   ==, 0);
  /* Deleted before it was indexed: nothing is taken out of the index, and it is no longer
   * waiting. */
  g_assert_cmpint (sqlite3_exec (raw, "DELETE FROM messages WHERE id = 101", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (query_int (raw, "SELECT count(*) FROM messages_fts_pending"), ==, 1);
  sqlite3_close (raw);

  store = open_store (path);
  g_assert_cmpuint (count_hits (store, "heron"), ==, 1);
  g_assert_cmpuint (count_hits (store, "otter"), ==, 0);
  raw = _sam_store_get_db (store);
  g_assert_cmpint (query_int (raw, "SELECT count(*) FROM messages_fts_pending"), ==, 0);
  g_assert_cmpint (
      sqlite3_exec (raw, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')", NULL,
                    NULL, NULL),
      ==, SQLITE_OK);
}

static void
test_soft_delete (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  g_autoptr (SamStore) store = open_store (path);
  g_autoptr (SamConversationList) list = NULL;
  g_autoptr (SamConversation) keep = NULL;
  g_autoptr (SamConversation) doomed = NULL;
  g_autoptr (SamConversation) old = NULL;
  g_autoptr (sqlite3) raw = NULL;
  gint64 doomed_id, old_id;

  keep = sam_store_create_conversation (store, "keep", SAM_CONVERSATION_KIND_NORMAL, &error);
  doomed = sam_store_create_conversation (store, "doomed", SAM_CONVERSATION_KIND_NORMAL, &error);
  old = sam_store_create_conversation (store, "old", SAM_CONVERSATION_KIND_NORMAL, &error);
  doomed_id = sam_conversation_get_id (doomed);
  old_id = sam_conversation_get_id (old);
  append_text (store, doomed, SAM_MESSAGE_ROLE_USER, "secret words");
  list = sam_conversation_list_new (store, &error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);

  g_assert_true (sam_store_delete_conversation (store, doomed, &error));
  g_assert_true (sam_conversation_get_deleted (doomed));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_cmpuint (sam_conversation_list_find (list, doomed_id), ==, G_MAXUINT);

  /* Undo puts it back where it belongs (it has the newest message). */
  g_assert_true (sam_store_undelete_conversation (store, doomed, &error));
  g_assert_no_error (error);
  g_assert_false (sam_conversation_get_deleted (doomed));
  g_assert_cmpuint (sam_conversation_list_find (list, doomed_id), ==, 0);

  /* Purge removes it and its messages for good. */
  g_assert_true (sam_store_delete_conversation (store, doomed, &error));
  g_assert_true (sam_store_purge_conversation (store, doomed, &error));
  g_assert_no_error (error);
  raw = open_raw (path);
  g_assert_cmpint (query_int (raw, "SELECT count(*) FROM messages"), ==, 0);
  g_assert_cmpuint (count_hits (store, "secret"), ==, 0);
  g_assert_cmpint (query_int (raw, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH "
                                   "'secret'"),
                   ==, 0);

  /* A deletion whose Undo time is long over is purged on the next start; a fresh one waits. */
  g_assert_true (sam_store_delete_conversation (store, old, &error));
  g_assert_true (sam_store_delete_conversation (store, keep, &error));
  g_assert_cmpint (sqlite3_exec (raw, "UPDATE conversations SET deleted = 1 WHERE title = 'old'",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_clear_object (&list);
  g_clear_object (&old);
  g_clear_object (&keep);
  g_clear_object (&doomed);
  g_clear_object (&store);
  store = open_store (path);
  old = sam_store_get_conversation (store, old_id, &error);
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (query_int (raw, "SELECT count(*) FROM conversations WHERE title = 'keep'"), ==,
                   1);
}

/* Where parent and child meet: the child has a home of its own. */
static char *
interrupted_db_path (pid_t parent)
{
  return g_strdup_printf ("%s/samantha-test-interrupted-%d.db", g_get_tmp_dir (), (int) parent);
}

/* The child plays a process that is killed mid-reply: it checkpoints, then vanishes without
 * finishing or closing anything. */
static void
test_interrupted_child (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *command = NULL;
  g_autofree char *path = NULL;
  SamStore        *store;
  SamConversation *conversation;
  SamMessage      *reply;

  if (!g_test_subprocess ())
    {
      g_test_skip ("only run by /store/interrupted");
      return;
    }

  path = interrupted_db_path (getppid ());
  store = open_store (path);
  conversation =
      sam_store_create_conversation (store, "crash", SAM_CONVERSATION_KIND_NORMAL, &error);
  append_text (store, conversation, SAM_MESSAGE_ROLE_USER, "question");
  reply = sam_store_begin_assistant_message (store, conversation, "m", &error);
  sam_message_append_content (reply, "the first half", -1);
  g_assert_true (sam_store_checkpoint_message (store, reply, &error));
  sam_store_wait_for_checkpoints (store);
  sam_message_append_content (reply, " and words never saved", -1);

  /* Gone without a goodbye: no dispose, no close, no atexit (so no leak report either). */
  {
    const char      *home = sam_test_init_environment ();
    g_autofree char *base = g_path_get_basename (home);

    g_assert_true (g_str_has_prefix (base, "samantha-home-"));
    command = g_strdup_printf ("rm -rf '%s'", home);
    g_assert_cmpint (system (command), ==, 0);
  }
  _exit (0);
}

static void
test_interrupted (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = interrupted_db_path (getpid ());
  g_autoptr (SamStore) store = NULL;
  g_autoptr (SamStore) other = NULL;
  g_autoptr (SamConversation) conversation = NULL;
  g_autoptr (SamMessage) live = NULL;
  g_autoptr (GPtrArray) recent = NULL;
  g_autoptr (sqlite3) raw = NULL;
  g_autofree char *text = NULL;
  SamMessage      *reply;

  g_test_trap_subprocess ("/store/interrupted/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();

  raw = open_raw (path);
  text = query_text (raw, "SELECT state FROM messages WHERE role = 'assistant'");
  g_assert_cmpstr (text, ==, "streaming");
  g_clear_pointer (&text, g_free);

  /* The next start marks it interrupted, keeping the checkpointed text. */
  store = open_store (path);
  conversation = sam_store_get_conversation (store, 1, &error);
  g_assert_no_error (error);
  recent = sam_store_get_recent_messages (store, conversation, 10, &error);
  g_assert_cmpuint (recent->len, ==, 2);
  g_assert_cmpstr (sam_message_get_content (g_ptr_array_index (recent, 0)), ==, "question");
  reply = g_ptr_array_index (recent, 1);
  g_assert_cmpint (sam_message_get_state (reply), ==, SAM_MESSAGE_STATE_INTERRUPTED);
  g_assert_cmpstr (sam_message_get_content (reply), ==, "the first half");
  g_assert_cmpuint (count_hits (store, "half"), ==, 1);

  /* A reply a live writer is streaming is left alone by another opening... */
  live = sam_store_begin_assistant_message (store, conversation, NULL, &error);
  other = open_store (path);
  text = query_text (raw, "SELECT state FROM messages ORDER BY id DESC LIMIT 1");
  g_assert_cmpstr (text, ==, "streaming");
  g_clear_pointer (&text, g_free);

  /* ...and closing the store that streams it marks it interrupted, with the text that
   * arrived after the last checkpoint. */
  sam_message_append_content (live, "kept on close", -1);
  g_clear_pointer (&recent, g_ptr_array_unref);
  g_clear_object (&conversation);
  g_clear_object (&store);
  text = query_text (raw, "SELECT state || '|' || content FROM messages ORDER BY id DESC LIMIT 1");
  g_assert_cmpstr (text, ==, "interrupted|kept on close");
  g_assert_cmpint (sam_message_get_state (live), ==, SAM_MESSAGE_STATE_INTERRUPTED);

  g_clear_object (&other);
  g_clear_pointer (&raw, sqlite3_close);
  for (guint i = 0; i < 3; i++)
    {
      const char      *suffix[] = { "", "-wal", "-shm" };
      g_autofree char *file = g_strconcat (path, suffix[i], NULL);
      g_unlink (file);
    }
}

static void
test_safety_events (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  g_autoptr (SamStore) store = open_store (path);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autoptr (sqlite3) raw = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GString) columns = g_string_new (NULL);
  const char      *text = "I feel hopeless tonight";
  g_autofree char *wal_path = NULL;
  g_autofree char *contents = NULL;
  gsize            length;

  g_assert_true (sam_store_add_safety_event (store, "crisis", &error));
  g_assert_true (sam_store_add_safety_event (store, "crisis", &error));
  g_assert_true (sam_store_add_safety_event (store, "break-reminder", &error));
  g_assert_no_error (error);

  g_assert_cmpuint (sam_store_count_safety_events (store, today, "crisis", &error), ==, 2);
  g_assert_cmpuint (sam_store_count_safety_events (store, today, "break-reminder", &error), ==, 1);
  g_assert_cmpuint (sam_store_count_safety_events (store, today, NULL, &error), ==, 3);
  g_assert_cmpuint (sam_store_count_safety_events (store, "2000-01-01", "crisis", &error), ==, 0);
  g_assert_no_error (error);

  /* Text is refused, by the API and by the table itself. */
  g_assert_false (sam_store_add_safety_event (store, text, &error));
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sam_store_add_safety_event (store, "", &error));
  g_clear_error (&error);
  g_assert_false (sam_store_add_safety_event (store, "0123456789abcdef0123456789abcdef0", &error));
  g_clear_error (&error);

  raw = open_raw (path);
  g_assert_cmpint (sqlite3_exec (raw,
                                 "INSERT INTO safety_events (day, kind) VALUES "
                                 "('2024-01-01', 'I feel hopeless tonight')",
                                 NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (sqlite3_exec (raw,
                                 "INSERT INTO safety_events (day, kind) VALUES "
                                 "('I feel hopeless', 'crisis')",
                                 NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT);

  /* The table has no column a text could go in. */
  g_assert_cmpint (sqlite3_prepare_v2 (raw, "SELECT name FROM pragma_table_info ('safety_events')",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (columns, "%s ", sqlite3_column_text (stmt, 0));
  g_assert_cmpstr (columns->str, ==, "id day kind ");

  /* And the text is nowhere in the files. */
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_null (g_strstr_len (contents, length, "hopeless"));
  g_clear_pointer (&contents, g_free);
  wal_path = g_strconcat (path, "-wal", NULL);
  if (g_file_get_contents (wal_path, &contents, &length, NULL))
    g_assert_null (g_strstr_len (contents, length, "hopeless"));
}

static void
test_refuses_bad_files (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *garbage = new_db_path ();
  g_autofree char *newer = new_db_path ();
  g_autoptr (SamStore) store = NULL;
  g_autoptr (sqlite3) raw = NULL;

  g_assert_true (g_file_set_contents (
      garbage,
      "this is not a database, just text\n"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      -1, NULL));
  store = sam_store_new_for_path (garbage, &error);
  g_assert_null (store);
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_CORRUPT);
  g_test_message ("garbage: %s", error->message);
  g_clear_error (&error);

  g_assert_cmpint (sqlite3_open (newer, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  store = sam_store_new_for_path (newer, &error);
  g_assert_null (store);
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NEWER_SCHEMA);
  g_assert_nonnull (strstr (error->message, "newer version"));
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/open-default-path", test_open_default_path);
  g_test_add_func ("/store/conversations", test_conversations);
  g_test_add_func ("/store/list-ordering", test_list_ordering);
  g_test_add_func ("/store/list-long", test_list_long);
  g_test_add_func ("/store/messages", test_messages);
  g_test_add_func ("/store/draft", test_draft);
  g_test_add_func ("/store/search", test_search);
  g_test_add_func ("/store/index-pending", test_index_pending);
  g_test_add_func ("/store/soft-delete", test_soft_delete);
  g_test_add_func ("/store/interrupted", test_interrupted);
  g_test_add_func ("/store/interrupted/subprocess", test_interrupted_child);
  g_test_add_func ("/store/safety-events", test_safety_events);
  g_test_add_func ("/store/refuses-bad-files", test_refuses_bad_files);

  return g_test_run ();
}
