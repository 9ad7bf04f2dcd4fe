/* test-chat-view.c — the conversation, driven as a user drives it, against a real server.
 *
 * A real window under Xvfb, a real SQLite store in a private home, and a real HTTP server on
 * 127.0.0.1 streaming replies: send, stop, regenerate, edit-and-resend, delete with undo and
 * search all go through the window's actions, and the results are read back from the store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "sam-application.h"
#include "sam-test-server.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "companion/sam-safety-policy.h"
#include "store/sam-message-list.h"
#include "ui/sam-crisis-banner.h"
#include "ui/sam-chat-view.h"
#include "ui/sam-markdown-tail.h"
#include "ui/sam-markdown-view.h"
#include "ui/sam-markdown.h"
#include "ui/sam-window.h"

static SamApplication *app;
static SamTestServer  *server;

static GtkWidget *
template_child (gpointer widget, GType type, const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static SamWindow *
main_window (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (SAM_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
provider_ready (gpointer data)
{
  return sam_application_get_provider (app) != NULL;
}

static SamWindow *
open_window (void)
{
  SamWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = main_window ();
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  g_assert_true (sam_test_ui_wait_for (provider_ready, NULL, 5000));
  return window;
}

static SamChat *
current_chat (SamWindow *window)
{
  return sam_chat_view_get_chat (sam_window_get_chat_view (window));
}

static void
type_message (SamWindow *window, const char *text)
{
  GtkTextView *text_view = GTK_TEXT_VIEW (
      template_child (sam_window_get_chat_view (window), SAM_TYPE_CHAT_VIEW, "text_view"));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (text_view), text, -1);
}

static char *
composer_text (SamWindow *window)
{
  GtkTextView *text_view = GTK_TEXT_VIEW (
      template_child (sam_window_get_chat_view (window), SAM_TYPE_CHAT_VIEW, "text_view"));
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (text_view);
  GtkTextIter    start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
chat_idle (gpointer data)
{
  return !sam_chat_get_busy (data);
}

static gboolean
chat_busy_with_text (gpointer data)
{
  SamChat    *chat = data;
  GListModel *messages = sam_chat_get_messages (chat);
  guint       n = g_list_model_get_n_items (messages);
  g_autoptr (SamMessage) last = n ? g_list_model_get_item (messages, n - 1) : NULL;

  return sam_chat_get_busy (chat) && last != NULL && sam_message_get_content_length (last) > 0;
}

static SamMessage *
message_at (SamChat *chat, int position)
{
  GListModel *messages = sam_chat_get_messages (chat);
  guint       n = g_list_model_get_n_items (messages);

  if (position < 0)
    position += n;
  g_assert_cmpint (position, >=, 0);
  g_assert_cmpint (position, <, (int) n);
  return g_list_model_get_item (messages, position);
}

static void
start_conversation (SamWindow *window)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  g_assert_nonnull (current_chat (window));
}

static void
test_chat_send_and_stream (void)
{
  const char *chunks[] = { "Hello! ",   "Here is a list:\n\n", "- one\n",
                           "- two\n\n", "And **bold** text.",  NULL };
  SamWindow  *window = open_window ();
  SamChat    *chat;
  g_autoptr (SamMessage) user = NULL;
  g_autoptr (SamMessage) reply = NULL;
  g_autofree char *png = NULL;
  guint            requests = sam_test_server_get_n_requests (server);

  sam_test_server_set_reply (server, chunks, 20);
  start_conversation (window);
  chat = current_chat (window);

  type_message (window, "Hi Samantha, can you make me a list?");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sam_window_get_chat_view (window)),
                                             "chat.send", NULL));

  /* The user's message is stored before the reply starts, and the composer is empty again. */
  user = message_at (chat, 0);
  g_assert_cmpint (sam_message_get_role (user), ==, SAM_MESSAGE_ROLE_USER);
  g_assert_cmpstr (sam_message_get_content (user), ==, "Hi Samantha, can you make me a list?");
  g_assert_cmpint (sam_message_get_id (user), >, 0);
  g_assert_true (sam_chat_get_busy (chat));
  {
    g_autofree char *text = composer_text (window);
    g_assert_cmpstr (text, ==, "");
  }

  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 10000));
  g_assert_cmpuint (sam_test_server_get_n_requests (server), ==, requests + 1);

  reply = message_at (chat, 1);
  g_assert_cmpint (sam_message_get_role (reply), ==, SAM_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpint (sam_message_get_state (reply), ==, SAM_MESSAGE_STATE_COMPLETE);
  g_assert_cmpstr (sam_message_get_content (reply), ==,
                   "Hello! Here is a list:\n\n- one\n- two\n\nAnd **bold** text.");
  g_assert_cmpstr (sam_message_get_finish_reason (reply), ==, "stop");

  /* The request carried the safety policy and the user's words. */
  g_assert_nonnull (strstr (sam_test_server_get_last_request (server), "can you make me a list?"));
  g_assert_nonnull (strstr (sam_test_server_get_last_request (server), "not a person"));

  /* The conversation took its title from the first message. */
  g_assert_cmpstr (sam_conversation_get_title (sam_chat_get_conversation (chat)), ==,
                   "Hi Samantha, can you make me a list?");

  sam_test_ui_iterate (200);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  png = sam_test_ui_save_png (GTK_WIDGET (window), "conversation");
}

static void
test_chat_stop_keeps_partial (void)
{
  const char *chunks[] = { "This ", "reply ", "is ", "long ",    "and ", "slow ",
                           "and ",  "will ",  "be ", "stopped.", NULL };
  SamWindow  *window = open_window ();
  g_autoptr (SamMessage) reply = NULL;
  SamChat *chat;
  guint    disconnected = sam_test_server_get_n_disconnected (server);

  sam_test_server_set_reply (server, chunks, 150);
  start_conversation (window);
  chat = current_chat (window);
  type_message (window, "Tell me something long.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sam_window_get_chat_view (window)),
                                             "chat.send", NULL));

  g_assert_true (sam_test_ui_wait_for (chat_busy_with_text, chat, 10000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sam_window_get_chat_view (window)),
                                             "chat.stop", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));

  reply = message_at (chat, -1);
  g_assert_cmpint (sam_message_get_state (reply), ==, SAM_MESSAGE_STATE_COMPLETE);
  g_assert_cmpstr (sam_message_get_finish_reason (reply), ==, "stopped");
  g_assert_true (g_str_has_prefix (sam_message_get_content (reply), "This "));
  g_assert_false (g_str_has_suffix (sam_message_get_content (reply), "stopped."));

  /* Stopping really ended the HTTP request: the server saw the client go. */
  sam_test_ui_iterate (300);
  g_assert_cmpuint (sam_test_server_get_n_disconnected (server), ==, disconnected + 1);
}

static void
test_chat_regenerate_and_edit (void)
{
  const char *first[] = { "First answer.", NULL };
  const char *second[] = { "Second answer.", NULL };
  SamWindow  *window = open_window ();
  GtkWidget  *view = GTK_WIDGET (sam_window_get_chat_view (window));
  SamChat    *chat;

  sam_test_server_set_reply (server, first, 5);
  start_conversation (window);
  chat = current_chat (window);
  type_message (window, "Question one");
  g_assert_true (gtk_widget_activate_action (view, "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));

  /* Regenerate replaces the last reply: still two messages, new text. */
  sam_test_server_set_reply (server, second, 5);
  g_assert_true (gtk_widget_activate_action (view, "chat.regenerate", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));
  g_assert_cmpuint (g_list_model_get_n_items (sam_chat_get_messages (chat)), ==, 2);
  {
    g_autoptr (SamMessage) reply = message_at (chat, 1);
    g_assert_cmpstr (sam_message_get_content (reply), ==, "Second answer.");
  }

  /* Edit brings the last question back into the composer and removes the exchange. */
  g_assert_true (gtk_widget_activate_action (view, "chat.edit-last", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (sam_chat_get_messages (chat)), ==, 0);
  {
    g_autofree char *text = composer_text (window);
    g_assert_cmpstr (text, ==, "Question one");
  }

  type_message (window, "Question one, better put");
  sam_test_server_set_reply (server, first, 5);
  g_assert_true (gtk_widget_activate_action (view, "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));
  {
    g_autoptr (SamMessage) user = message_at (chat, 0);
    g_assert_cmpuint (g_list_model_get_n_items (sam_chat_get_messages (chat)), ==, 2);
    g_assert_cmpstr (sam_message_get_content (user), ==, "Question one, better put");
  }
}

static void
test_chat_error_offers_retry (void)
{
  const char      *good[] = { "Now it works.", NULL };
  SamWindow       *window = open_window ();
  GtkWidget       *view = GTK_WIDGET (sam_window_get_chat_view (window));
  SamChat         *chat;
  g_autofree char *png = NULL;

  sam_test_server_set_error (
      server, 401,
      "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\","
      "\"code\":\"invalid_api_key\"}}");
  start_conversation (window);
  chat = current_chat (window);
  type_message (window, "Are you there?");
  g_assert_true (gtk_widget_activate_action (view, "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));

  {
    g_autoptr (SamMessage) reply = message_at (chat, -1);
    g_assert_cmpint (sam_message_get_state (reply), ==, SAM_MESSAGE_STATE_FAILED);
    g_assert_nonnull (sam_message_get_error (reply));
    g_assert_cmpstr (sam_message_get_error (reply), !=, "");
  }

  sam_test_ui_iterate (100);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  png = sam_test_ui_save_png (GTK_WIDGET (window), "conversation-error");

  /* Retry, once the server is happy again, replaces the failed reply. */
  sam_test_server_set_reply (server, good, 5);
  g_assert_true (gtk_widget_activate_action (view, "chat.retry", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));
  g_assert_cmpuint (g_list_model_get_n_items (sam_chat_get_messages (chat)), ==, 2);
  {
    g_autoptr (SamMessage) reply = message_at (chat, 1);
    g_assert_cmpint (sam_message_get_state (reply), ==, SAM_MESSAGE_STATE_COMPLETE);
    g_assert_cmpstr (sam_message_get_content (reply), ==, "Now it works.");
  }
}

static void
test_chat_delete_and_undo (void)
{
  const char      *chunks[] = { "Noted.", NULL };
  SamWindow       *window = open_window ();
  SamChat         *chat;
  SamConversation *conversation;
  g_autoptr (GError) error = NULL;
  SamStore *store = sam_application_get_store (app, &error);
  gint64    id;

  g_assert_no_error (error);
  sam_test_server_set_reply (server, chunks, 5);
  start_conversation (window);
  chat = current_chat (window);
  conversation = sam_chat_get_conversation (chat);
  id = sam_conversation_get_id (conversation);
  type_message (window, "Remember the milk");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sam_window_get_chat_view (window)),
                                             "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-conversation", NULL));
  g_assert_null (current_chat (window));
  g_assert_true (sam_conversation_get_deleted (conversation));

  /* The toast's Undo brings it back with its messages. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-delete", NULL));
  g_assert_false (sam_conversation_get_deleted (conversation));
  g_assert_true (sam_window_select_conversation (window, id));
  g_assert_cmpuint (sam_store_count_messages (store, conversation, NULL), ==, 2);
}

static void
test_chat_search_opens_hit (void)
{
  const char *chunks[] = { "Your aunt Petunia lives in Surrey.", NULL };
  SamWindow  *window = open_window ();
  SamChat    *chat;
  GtkStack   *sidebar_stack = GTK_STACK (template_child (window, SAM_TYPE_WINDOW, "sidebar_stack"));
  GtkEditable *entry = GTK_EDITABLE (template_child (window, SAM_TYPE_WINDOW, "search_entry"));
  GtkListView *results = GTK_LIST_VIEW (template_child (window, SAM_TYPE_WINDOW, "search_list"));
  g_autofree char *png = NULL;
  gint64           id;

  sam_test_server_set_reply (server, chunks, 5);
  start_conversation (window);
  chat = current_chat (window);
  type_message (window, "Where does my aunt live?");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sam_window_get_chat_view (window)),
                                             "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));

  id = sam_conversation_get_id (sam_chat_get_conversation (chat));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  g_assert_cmpint (sam_conversation_get_id (sam_chat_get_conversation (current_chat (window))), !=,
                   id);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-search", NULL));
  gtk_editable_set_text (entry, "petunia");
  g_assert_true (sam_test_ui_wait_for ((gboolean (*) (gpointer)) gtk_widget_get_mapped,
                                       gtk_stack_get_child_by_name (sidebar_stack, "search"),
                                       5000));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (sidebar_stack), ==, "search");
  sam_test_ui_iterate (100);
  png = sam_test_ui_save_png (GTK_WIDGET (window), "search");

  g_signal_emit_by_name (results, "activate", 0);
  g_assert_cmpint (sam_conversation_get_id (sam_chat_get_conversation (current_chat (window))), ==,
                   id);

  gtk_editable_set_text (entry, "zyxwvut");
  g_assert_true (sam_test_ui_wait_for ((gboolean (*) (gpointer)) gtk_widget_get_mapped,
                                       gtk_stack_get_child_by_name (sidebar_stack, "no-results"),
                                       5000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-search", NULL));
}

static void
test_chat_long_conversation (void)
{
  SamWindow *window = open_window ();
  g_autoptr (GError) error = NULL;
  SamStore *store = sam_application_get_store (app, &error);
  g_autoptr (SamConversation) conversation = NULL;
  g_autoptr (SamMessage) first = NULL;
  GtkListView     *list_view;
  GListModel      *shown;
  gint64           start;
  g_autofree char *png = NULL;

  g_assert_no_error (error);
  conversation =
      sam_store_create_conversation (store, "A long story", SAM_CONVERSATION_KIND_NORMAL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *text = g_strdup_printf ("Message number %u, with *some* Markdown.", i);
      g_autoptr (SamMessage) message = sam_store_append_message (
          store, conversation, i % 2 ? SAM_MESSAGE_ROLE_ASSISTANT : SAM_MESSAGE_ROLE_USER, text,
          &error);

      g_assert_no_error (error);
      if (i == 0)
        first = g_object_ref (message);
    }

  start = g_get_monotonic_time ();
  g_assert_true (sam_window_select_conversation (window, sam_conversation_get_id (conversation)));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  g_test_message ("2,000-message conversation drawn in %.1f ms",
                  (g_get_monotonic_time () - start) / 1000.0);

  /* Only a window over the latest messages is given to the list, whatever the length. */
  list_view = GTK_LIST_VIEW (
      template_child (sam_window_get_chat_view (window), SAM_TYPE_CHAT_VIEW, "list_view"));
  shown = G_LIST_MODEL (gtk_list_view_get_model (list_view));
  g_assert_cmpuint (g_list_model_get_n_items (shown), <=, 100);
  {
    g_autoptr (SamMessage) last =
        g_list_model_get_item (shown, g_list_model_get_n_items (shown) - 1);
    g_assert_cmpstr (sam_message_get_content (last), ==,
                     "Message number 1999, with *some* Markdown.");
  }
  sam_test_ui_iterate (100);
  png = sam_test_ui_save_png (GTK_WIDGET (window), "long-conversation");

  /* Going to a search hit at the very start opens the window back to it. */
  sam_chat_view_scroll_to_message (sam_window_get_chat_view (window), sam_message_get_id (first));
  g_assert_cmpuint (g_list_model_get_n_items (shown), >=, 2000);
  sam_test_ui_iterate (100);
}

static GtkWidget *
find_last_markdown_view (GtkWidget *widget)
{
  GtkWidget *found = SAM_IS_MARKDOWN_VIEW (widget) ? widget : NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *in_child = find_last_markdown_view (child);

      if (in_child != NULL && gtk_widget_get_mapped (in_child))
        found = in_child;
    }

  return found;
}

static gboolean
markdown_shows_labels (gpointer data)
{
  for (GtkWidget *child = gtk_widget_get_first_child (data); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (!GTK_IS_LABEL (child))
      return FALSE;

  return gtk_widget_get_first_child (data) != NULL;
}

/* A long reply streaming in keeps the end on screen, its earlier paragraphs above it, and its
 * paragraphs drawn whole (the view draws only the blocks on screen). */
static void
test_chat_streaming_sticks_to_bottom (void)
{
  static const char *words[] = { "the ", "quiet ",  "morning ", "light ", "falls ",    "on ",
                                 "a ",   "letter ", "you ",     "wrote ", "**long** ", "ago, ",
                                 "and ", "`code` ", "feels ",   "near. " };
  SamWindow         *window = open_window ();
  g_autoptr (GError) error = NULL;
  SamStore *store = sam_application_get_store (app, &error);
  g_autoptr (SamConversation) conversation = NULL;
  g_autoptr (SamMessage) question = NULL;
  g_autoptr (SamMessage) reply = NULL;
  GtkWidget       *chat_view;
  GtkAdjustment   *adjustment;
  GtkWidget       *markdown;
  g_autofree char *png = NULL;

  g_assert_no_error (error);
  conversation =
      sam_store_create_conversation (store, "A long reply", SAM_CONVERSATION_KIND_NORMAL, &error);
  g_assert_no_error (error);
  question = sam_store_append_message (store, conversation, SAM_MESSAGE_ROLE_USER,
                                       "Write me something long.", &error);
  g_assert_no_error (error);
  reply = sam_store_begin_assistant_message (store, conversation, "test-model", &error);
  g_assert_no_error (error);

  g_assert_true (sam_window_select_conversation (window, sam_conversation_get_id (conversation)));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  chat_view = GTK_WIDGET (sam_window_get_chat_view (window));
  adjustment = gtk_scrolled_window_get_vadjustment (
      GTK_SCROLLED_WINDOW (template_child (chat_view, SAM_TYPE_CHAT_VIEW, "scroller")));

  for (guint i = 0; i < 3000; i++)
    {
      if (i % 120 == 119)
        sam_message_append_content (reply, "\n\n", -1);
      else if (i % 600 == 300)
        sam_message_append_content (reply, "\n\n- an item\n- another item\n\n", -1);
      else
        sam_message_append_content (reply, words[i % G_N_ELEMENTS (words)], -1);
      if (i % 50 == 0)
        sam_test_ui_iterate (5);
    }
  sam_test_ui_iterate (200);

  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), >,
                     3 * gtk_adjustment_get_page_size (adjustment));
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==,
                     gtk_adjustment_get_upper (adjustment) -
                         gtk_adjustment_get_page_size (adjustment));
  g_assert_false (
      gtk_widget_get_visible (template_child (chat_view, SAM_TYPE_CHAT_VIEW, "jump_button")));
  png = sam_test_ui_save_png (GTK_WIDGET (window), "streaming");

  /* The end of the stream shows the finished reply, still at the end. */
  g_assert_true (
      sam_store_finish_message (store, reply, SAM_MESSAGE_STATE_COMPLETE, "stop", NULL, &error));
  g_assert_no_error (error);
  sam_test_ui_iterate (200);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==,
                     gtk_adjustment_get_upper (adjustment) -
                         gtk_adjustment_get_page_size (adjustment));
  g_clear_pointer (&png, g_free);
  png = sam_test_ui_save_png (GTK_WIDGET (window), "streamed");

  /* The finished reply's paragraphs become selectable labels, a few a frame. */
  markdown = find_last_markdown_view (template_child (chat_view, SAM_TYPE_CHAT_VIEW, "list_view"));
  g_assert_nonnull (markdown);
  g_assert_true (sam_test_ui_wait_for (markdown_shows_labels, markdown, 5000));
  for (GtkWidget *child = gtk_widget_get_first_child (markdown); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    g_assert_true (gtk_label_get_selectable (GTK_LABEL (child)));

  /* Back up at the question, the start of the reply is drawn (the view draws only the blocks
   * on screen, and draws again when the list scrolls). */
  sam_chat_view_scroll_to_message (SAM_CHAT_VIEW (chat_view), sam_message_get_id (question));
  sam_test_ui_iterate (200);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), <,
                     gtk_adjustment_get_upper (adjustment) -
                         2 * gtk_adjustment_get_page_size (adjustment));
  g_clear_pointer (&png, g_free);
  png = sam_test_ui_save_png (GTK_WIDGET (window), "streamed-scrolled");
  g_assert_true (
      gtk_widget_get_visible (template_child (chat_view, SAM_TYPE_CHAT_VIEW, "jump_button")));
}

static void
test_chat_many_conversations (void)
{
  SamWindow *window = open_window ();
  g_autoptr (GError) error = NULL;
  SamStore    *store = sam_application_get_store (app, &error);
  GtkListView *sidebar =
      GTK_LIST_VIEW (template_child (window, SAM_TYPE_WINDOW, "conversation_list"));
  GListModel *shown = G_LIST_MODEL (gtk_list_view_get_model (sidebar));
  gint64      oldest = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < 150; i++)
    {
      g_autofree char *title = g_strdup_printf ("Conversation %u", i);
      g_autoptr (SamConversation) conversation =
          sam_store_create_conversation (store, title, SAM_CONVERSATION_KIND_NORMAL, &error);

      g_assert_no_error (error);
      if (i == 0)
        oldest = sam_conversation_get_id (conversation);
    }

  /* The sidebar lists the newest first, a page at a time: not a row for every conversation. */
  g_assert_cmpuint (g_list_model_get_n_items (shown), <=, 60);
  {
    g_autoptr (SamConversation) newest = g_list_model_get_item (shown, 0);
    g_assert_cmpstr (sam_conversation_get_title (newest), ==, "Conversation 149");
  }

  /* Opening the oldest (as a notification would) brings it into the sidebar, selected. */
  g_assert_true (sam_window_select_conversation (window, oldest));
  g_assert_cmpint (sam_conversation_get_id (sam_chat_get_conversation (current_chat (window))), ==,
                   oldest);
  g_assert_cmpuint (g_list_model_get_n_items (shown), >, 150);
}

static void
test_chat_crisis_banner (void)
{
  const char  *chunks[] = { "I'm really glad you told me. Are you safe right now?", NULL };
  SamWindow   *window = open_window ();
  GtkWidget   *view = GTK_WIDGET (sam_window_get_chat_view (window));
  GtkRevealer *revealer =
      GTK_REVEALER (template_child (view, SAM_TYPE_CHAT_VIEW, "banner_revealer"));
  SamChat         *chat;
  g_autofree char *png = NULL;

  sam_test_server_set_reply (server, chunks, 5);
  start_conversation (window);
  chat = current_chat (window);
  g_assert_false (gtk_revealer_get_reveal_child (revealer));

  type_message (window, "honestly i don't want to be alive anymore");
  g_assert_true (gtk_widget_activate_action (view, "chat.send", NULL));

  /* The help is on screen at once, before the model has said anything. */
  g_assert_true (gtk_revealer_get_reveal_child (revealer));
  g_assert_true (SAM_IS_CRISIS_BANNER (gtk_revealer_get_child (revealer)));
  g_assert_true (sam_chat_get_had_crisis (chat));

  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));
  g_assert_nonnull (strstr (sam_test_server_get_last_request (server), SAM_SAFETY_MODE_MARKER));
  sam_test_ui_iterate (400);
  png = sam_test_ui_save_png (GTK_WIDGET (window), "crisis-banner");

  /* Another conversation has no banner; coming back, it is still there. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  g_assert_false (gtk_revealer_get_reveal_child (revealer));
}

static void
count_reminder_cb (SamChat *chat, const char *text, gpointer user_data)
{
  GPtrArray *texts = user_data;

  g_ptr_array_add (texts, g_strdup (text));
}

static void
test_chat_reminders_and_minors (void)
{
  const char *chunks[] = { "Hello there.", NULL };
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (GPtrArray) reminders = g_ptr_array_new_with_free_func (g_free);
  SamWindow *window = open_window ();
  GtkWidget *view = GTK_WIDGET (sam_window_get_chat_view (window));
  SamChat   *chat;

  /* As if Samantha had not reminded anyone today. */
  g_settings_set_int64 (settings, "ai-reminder-last", 0);
  g_settings_set_boolean (settings, "user-is-minor", TRUE);

  sam_test_server_set_reply (server, chunks, 5);
  start_conversation (window);
  chat = current_chat (window);
  g_signal_connect (chat, "reminder", G_CALLBACK (count_reminder_cb), reminders);

  type_message (window, "Hi!");
  g_assert_true (gtk_widget_activate_action (view, "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));

  /* The first conversation of the day says, in the app's own words, that this is an AI. */
  g_assert_cmpuint (reminders->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (reminders, 0), "AI"));
  g_assert_cmpint (g_settings_get_int64 (settings, "ai-reminder-last"), >, 0);
  g_assert_cmpstr (
      gtk_label_get_text (GTK_LABEL (template_child (view, SAM_TYPE_CHAT_VIEW, "ai_label"))), ==,
      g_ptr_array_index (reminders, 0));

  /* Under 18, every request carries the stricter policy. */
  g_assert_nonnull (strstr (sam_test_server_get_last_request (server), "under 18"));

  /* The next message, minutes later, is not interrupted again. */
  type_message (window, "How are you?");
  g_assert_true (gtk_widget_activate_action (view, "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));
  g_assert_cmpuint (reminders->len, ==, 1);

  g_settings_reset (settings, "user-is-minor");
  type_message (window, "One more");
  g_assert_true (gtk_widget_activate_action (view, "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));
  g_assert_null (strstr (sam_test_server_get_last_request (server), "under 18"));
  g_signal_handlers_disconnect_by_func (chat, count_reminder_cb, reminders);
}

static void
test_markdown_view_streaming_keeps_blocks (void)
{
  g_autoptr (GtkWidget) view = g_object_ref_sink (sam_markdown_view_new ());
  g_autoptr (GString) text = g_string_new ("# Title\n\nA finished paragraph.\n\nThe one being");
  GtkWidget *tail;
  guint      rendered;

  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view), text->str);
  rendered = sam_markdown_view_get_n_rendered (SAM_MARKDOWN_VIEW (view));
  g_assert_cmpuint (rendered, ==, 3);

  /* Words added to the paragraph being written build no widget: its label gets new text. */
  for (guint i = 0; i < 50; i++)
    {
      g_string_append (text, " written");
      sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view), text->str);
    }
  g_assert_cmpuint (sam_markdown_view_get_n_rendered (SAM_MARKDOWN_VIEW (view)), ==, rendered);

  /* A finished paragraph keeps the widget that showed it while it was written, and the
   * earlier blocks stay: only the next paragraph builds a widget. */
  tail = gtk_widget_get_last_child (view);
  g_string_append (text, ".\n\nNext");
  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view), text->str);
  g_assert_cmpuint (sam_markdown_view_get_n_rendered (SAM_MARKDOWN_VIEW (view)), ==, rendered + 1);
  g_assert_true (gtk_widget_get_prev_sibling (gtk_widget_get_last_child (view)) == tail);
  g_assert_true (g_str_has_prefix (sam_markdown_tail_get_text (SAM_MARKDOWN_TAIL (tail)),
                                   "The one being written written"));
  g_assert_true (
      g_str_has_suffix (sam_markdown_tail_get_text (SAM_MARKDOWN_TAIL (tail)), "written."));
  g_assert_cmpstr (sam_markdown_view_get_text (SAM_MARKDOWN_VIEW (view)), ==, text->str);
}

/* A code block being written keeps its widget; its label gets the new text. */
static void
test_markdown_view_streaming_code (void)
{
  g_autoptr (GtkWidget) view = g_object_ref_sink (sam_markdown_view_new ());
  GtkWidget *block;
  guint      rendered;

  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view), "Here:\n\n```c\nint a;\n");
  rendered = sam_markdown_view_get_n_rendered (SAM_MARKDOWN_VIEW (view));
  block = gtk_widget_get_last_child (view);
  g_assert_true (gtk_widget_has_css_class (block, "sam-code-block"));

  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view), "Here:\n\n```c\nint a;\nint b;\n");
  g_assert_cmpuint (sam_markdown_view_get_n_rendered (SAM_MARKDOWN_VIEW (view)), ==, rendered);
  g_assert_true (gtk_widget_get_last_child (view) == block);
  g_assert_true (g_str_has_prefix (
      gtk_label_get_text (GTK_LABEL (gtk_widget_get_last_child (block))), "int a;\nint b;"));
}

/* The paragraph being written is shown by a SamMarkdownTail, laid out once per change; a
 * finished reply is shown by labels again, selectable, with nothing of the tail left. */
static void
test_markdown_view_streaming_tail (void)
{
  g_autoptr (GtkWidget) view = g_object_ref_sink (sam_markdown_view_new ());
  GtkWidget *window = gtk_window_new ();
  GtkWidget *last;
  int        one_line, more_lines;

  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 300, 400);
  gtk_window_present (GTK_WINDOW (window));

  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view), "# Title\n\nThe one **being**");
  last = gtk_widget_get_last_child (view);
  g_assert_true (SAM_IS_MARKDOWN_TAIL (last));
  g_assert_cmpstr (sam_markdown_tail_get_text (SAM_MARKDOWN_TAIL (last)), ==, "The one being");
  g_assert_true (GTK_IS_LABEL (gtk_widget_get_first_child (view)));

  /* The tail grows in height as its text wraps onto more lines at the view's width. */
  gtk_widget_measure (view, GTK_ORIENTATION_VERTICAL, 300, &one_line, NULL, NULL, NULL);
  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view),
                            "# Title\n\nThe one **being** written, and written, and written, "
                            "and written again until it wraps onto several lines of the view");
  g_assert_true (gtk_widget_get_last_child (view) == last);
  gtk_widget_measure (view, GTK_ORIENTATION_VERTICAL, 300, &more_lines, NULL, NULL, NULL);
  g_assert_cmpint (more_lines, >, one_line);

  /* A new font from CSS lays the text out again in it: the tail sees its widget's Pango context
   * change, and no other change of style lays it out again. */
  {
    g_autoptr (GtkCssProvider) provider = gtk_css_provider_new ();
    int small, large;

    gtk_css_provider_load_from_data (provider, ".sam-test-large { font-size: 40px; }", -1);
    gtk_style_context_add_provider_for_display (gtk_widget_get_display (view),
                                                GTK_STYLE_PROVIDER (provider),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    gtk_widget_measure (last, GTK_ORIENTATION_VERTICAL, 300, &small, NULL, NULL, NULL);
    gtk_widget_add_css_class (last, "sam-test-large");
    gtk_test_widget_wait_for_draw (window);
    gtk_widget_measure (last, GTK_ORIENTATION_VERTICAL, 300, &large, NULL, NULL, NULL);
    g_assert_cmpint (large, >, 2 * small);
    gtk_widget_remove_css_class (last, "sam-test-large");
    gtk_test_widget_wait_for_draw (window);
    gtk_widget_measure (last, GTK_ORIENTATION_VERTICAL, 300, &large, NULL, NULL, NULL);
    g_assert_cmpint (large, ==, small);
    gtk_style_context_remove_provider_for_display (gtk_widget_get_display (view),
                                                   GTK_STYLE_PROVIDER (provider));
  }

  sam_markdown_view_set_text (SAM_MARKDOWN_VIEW (view), "# Title\n\nThe one **being** written.");
  for (GtkWidget *child = gtk_widget_get_first_child (view); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      g_assert_true (GTK_IS_LABEL (child));
      g_assert_true (gtk_label_get_selectable (GTK_LABEL (child)));
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* While a reply streams, the finished paragraph under the pointer becomes a selectable label;
 * the paragraph being written stays a SamMarkdownTail, and streaming goes on after it. */
static void
test_markdown_view_select_while_streaming (void)
{
  g_autoptr (GtkWidget) view = g_object_ref_sink (sam_markdown_view_new ());
  GtkWidget      *window = gtk_window_new ();
  GtkWidget      *first, *live, *label;
  graphene_rect_t bounds;
  guint           rendered;

  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 400);
  gtk_window_present (GTK_WINDOW (window));

  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view),
                            "The first paragraph.\n\nThe second one.\n\nThe third, being");
  gtk_test_widget_wait_for_draw (window);
  first = gtk_widget_get_first_child (view);
  live = gtk_widget_get_last_child (view);
  g_assert_true (SAM_IS_MARKDOWN_TAIL (first));
  g_assert_true (SAM_IS_MARKDOWN_TAIL (live));
  rendered = sam_markdown_view_get_n_rendered (SAM_MARKDOWN_VIEW (view));

  /* The paragraph being written is not touched. */
  g_assert_true (gtk_widget_compute_bounds (live, view, &bounds));
  g_assert_false (sam_markdown_view_make_selectable_at (SAM_MARKDOWN_VIEW (view),
                                                        bounds.origin.y + bounds.size.height / 2));
  g_assert_true (gtk_widget_get_last_child (view) == live);

  /* The first becomes a selectable label with the same text. */
  g_assert_true (gtk_widget_compute_bounds (first, view, &bounds));
  g_assert_true (sam_markdown_view_make_selectable_at (SAM_MARKDOWN_VIEW (view),
                                                       bounds.origin.y + bounds.size.height / 2));
  label = gtk_widget_get_first_child (view);
  g_assert_true (GTK_IS_LABEL (label));
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (label)));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "The first paragraph.");
  /* In its place, at its size: nothing moves. */
  gtk_test_widget_wait_for_draw (window);
  {
    graphene_rect_t label_bounds;

    g_assert_true (gtk_widget_compute_bounds (label, view, &label_bounds));
    g_assert_true (graphene_rect_equal (&label_bounds, &bounds));
  }
  g_assert_cmpuint (sam_markdown_view_get_n_rendered (SAM_MARKDOWN_VIEW (view)), ==, rendered + 1);
  rendered++;
  /* Below the last block, nothing. */
  g_assert_false (sam_markdown_view_make_selectable_at (SAM_MARKDOWN_VIEW (view), 10000));
  /* The last finished one, just above the paragraph being written, too. */
  g_assert_true (gtk_widget_compute_bounds (gtk_widget_get_prev_sibling (live), view, &bounds));
  g_assert_true (sam_markdown_view_make_selectable_at (SAM_MARKDOWN_VIEW (view),
                                                       bounds.origin.y + bounds.size.height / 2));
  g_assert_true (GTK_IS_LABEL (gtk_widget_get_prev_sibling (live)));

  /* Streaming goes on: the label stays, the tail gets the new text, a new paragraph follows. */
  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view),
                            "The first paragraph.\n\nThe second one.\n\nThe third, being "
                            "written.\n\nA fourth");
  g_assert_true (gtk_widget_get_first_child (view) == label);
  g_assert_cmpstr (sam_markdown_tail_get_text (SAM_MARKDOWN_TAIL (live)), ==,
                   "The third, being written.");
  /* Only the new paragraph was built. */
  g_assert_cmpuint (sam_markdown_view_get_n_rendered (SAM_MARKDOWN_VIEW (view)), ==, rendered + 2);
  g_assert_cmpstr (
      sam_markdown_tail_get_text (SAM_MARKDOWN_TAIL (gtk_widget_get_last_child (view))), ==,
      "A fourth");

  /* The end: every paragraph a label (a few a frame), the first one still the same widget. */
  sam_markdown_view_set_text (SAM_MARKDOWN_VIEW (view),
                              "The first paragraph.\n\nThe second one.\n\nThe third, being "
                              "written.\n\nA fourth.");
  for (guint i = 0; i < 10; i++)
    gtk_test_widget_wait_for_draw (window);
  g_assert_true (gtk_widget_get_first_child (view) == label);
  for (GtkWidget *child = gtk_widget_get_first_child (view); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    g_assert_true (GTK_IS_LABEL (child));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Saves a screenshot of @window once it has drawn, and tells where. */
static void
save_screenshot (GtkWidget *window, const char *name)
{
  g_autofree char *png = NULL;

  gtk_test_widget_wait_for_draw (window);
  png = sam_test_ui_save_png (window, name);
  g_test_message ("screenshot: %s", png);
}

/* @markup laid out whole at @width, as one label would lay it out, read as @tail reads it. */
static PangoLayout *
lay_out_whole (GtkWidget *tail, const char *markup, int width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (tail, NULL);
  g_autoptr (PangoAttrList) attrs = NULL;
  g_autofree char *text = NULL;

  g_assert_true (sam_markdown_tail_parse_markup (SAM_MARKDOWN_TAIL (tail), markup, &text, &attrs));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_width (layout, width * PANGO_SCALE);
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_attributes (layout, attrs);
  return layout;
}

/* Checks that @tail, measured at @width, has the lines and the height of @markup laid out whole
 * at that width. */
static void
assert_as_whole (GtkWidget *tail, const char *markup, int width)
{
  g_autoptr (PangoLayout) layout = lay_out_whole (tail, markup, width);
  g_autoptr (GArray) starts = NULL;
  GSList *lines;
  int     height, whole_height;
  guint   i = 0;

  /* Measured anew, not taken from what GTK keeps of an earlier measure at this width. */
  gtk_widget_queue_resize (tail);
  gtk_widget_measure (tail, GTK_ORIENTATION_VERTICAL, width, &height, NULL, NULL, NULL);
  pango_layout_get_pixel_size (layout, NULL, &whole_height);
  g_assert_cmpint (height, ==, whole_height);

  starts = sam_markdown_tail_dup_line_starts (SAM_MARKDOWN_TAIL (tail));
  lines = pango_layout_get_lines_readonly (layout);
  g_assert_cmpuint (starts->len, ==, g_slist_length (lines));
  for (GSList *l = lines; l != NULL; l = l->next, i++)
    g_assert_cmpuint (g_array_index (starts, gsize, i), ==,
                      ((PangoLayoutLine *) l->data)->start_index);
}

/* A long paragraph being written is laid out in pieces, the finished lines set aside, so that
 * an update does not lay the whole paragraph out again; it looks as if laid out whole, at any
 * width, and when text already set aside comes out differently. */
static void
test_markdown_tail_pieces (void)
{
  g_autoptr (GString) markup = g_string_new (NULL);
  GtkWidget       *window = gtk_window_new ();
  GtkWidget       *tail = sam_markdown_tail_new ();
  SamMarkdownTail *self = SAM_MARKDOWN_TAIL (tail);

  gtk_window_set_child (GTK_WINDOW (window), tail);
  gtk_window_set_default_size (GTK_WINDOW (window), 300, 700);
  gtk_window_present (GTK_WINDOW (window));

  for (guint i = 0; i < 60; i++)
    {
      g_string_append_printf (markup, "Sentence %u has <b>bold words</b> and <tt>code</tt>%s ", i,
                              i % 7 == 6 ? "\n" : ",");
      sam_markdown_tail_set_markup (self, markup->str);
      assert_as_whole (tail, markup->str, 300);
    }
  g_assert_cmpuint (sam_markdown_tail_get_n_pieces (self), >, 3);
  g_assert_true (g_str_has_prefix (sam_markdown_tail_get_text (self), "Sentence 0 has bold words"));
  save_screenshot (window, "markdown-tail-pieces");

  /* Another width: laid out anew, the same as whole. */
  assert_as_whole (tail, markup->str, 170);
  assert_as_whole (tail, markup->str, 300);
  /* Laid out whole once more, the finished lines set aside in one piece. */
  g_assert_cmpuint (sam_markdown_tail_get_n_pieces (self), ==, 2);

  /* More sentences, and then one set aside some lines back comes out differently, as when an
   * emphasis opened there is closed: only the lines from the change on are laid out again, and
   * the paragraph comes out as whole. */
  for (guint i = 60; i < 90; i++)
    {
      g_string_append_printf (markup, "Sentence %u has <b>bold words</b> and <tt>code</tt>, ", i);
      sam_markdown_tail_set_markup (self, markup->str);
      assert_as_whole (tail, markup->str, 300);
    }
  g_assert_cmpuint (sam_markdown_tail_get_n_pieces (self), >, 4);
  g_string_replace (markup, "Sentence 70 has <b>bold words</b>",
                    "Sentence 70 has <i>bold words</i>", 1);
  sam_markdown_tail_set_markup (self, markup->str);
  assert_as_whole (tail, markup->str, 300);
  g_assert_cmpuint (sam_markdown_tail_get_n_pieces (self), >, 2);
  /* Sentences set aside change one after the other, from the last to the first: each time,
   * the pieces before the change stay. */
  for (guint i = 89; i >= 60; i--)
    {
      g_autofree char *sentence = g_strdup_printf ("Sentence %u has ", i);

      g_string_replace (markup, sentence, i % 2 == 0 ? "S h " : "Sentences here have ", 1);
      sam_markdown_tail_set_markup (self, markup->str);
      assert_as_whole (tail, markup->str, 300);
      g_assert_cmpuint (sam_markdown_tail_get_n_pieces (self), >, 2);
    }

  /* The first words become large, as when an emphasis opened long ago is closed: everything
   * is laid out again, and comes out as whole. */
  g_string_prepend (markup, "<big><big>Now large</big></big> ");
  sam_markdown_tail_set_markup (self, markup->str);
  assert_as_whole (tail, markup->str, 300);
  g_assert_true (g_str_has_prefix (sam_markdown_tail_get_text (self), "Now large Sentence 0"));

  /* Long words, written a few at a time; then the first word of each line, from the last line
   * up, becomes one letter: it then fits at the end of the line before, which has to be laid
   * out again with it, even when it is the last line of a piece set aside. */
  {
    const char *words[] = { "conversation", "streaming", "paragraphs", "settlement",
                            "remembered",   "companion", "everything", "listening" };
    int         n_lines;

    g_string_truncate (markup, 0);
    for (guint i = 0; i < 400; i++)
      {
        g_string_append_printf (markup, "%s ", words[i % G_N_ELEMENTS (words)]);
        if (i % 5 == 4)
          sam_markdown_tail_set_markup (self, markup->str);
      }
    assert_as_whole (tail, markup->str, 300);
    g_assert_cmpuint (sam_markdown_tail_get_n_pieces (self), >, 4);

    {
      g_autoptr (PangoLayout) layout = lay_out_whole (tail, markup->str, 300);

      n_lines = pango_layout_get_line_count (layout);
    }
    for (int line = n_lines - 2; line > 0; line--)
      {
        g_autoptr (PangoLayout) layout = lay_out_whole (tail, markup->str, 300);
        gsize start = pango_layout_get_line_readonly (layout, line)->start_index;
        gsize end = strchr (markup->str + start, ' ') - markup->str;

        if (end - start < 2)
          continue;
        g_string_erase (markup, start + 1, end - start - 1);
        sam_markdown_tail_set_markup (self, markup->str);
        assert_as_whole (tail, markup->str, 300);
      }
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Whether @a and @b hold the same attributes over the same ranges, in the same order. */
static gboolean
same_attributes (PangoAttrList *a, PangoAttrList *b)
{
  GSList  *x = pango_attr_list_get_attributes (a), *y = pango_attr_list_get_attributes (b);
  GSList  *l, *m;
  gboolean same = TRUE;

  for (l = x, m = y; l != NULL && m != NULL && same; l = l->next, m = m->next)
    {
      PangoAttribute *p = l->data, *q = m->data;

      same = p->start_index == q->start_index && p->end_index == q->end_index &&
             pango_attribute_equal (p, q);
    }
  same = same && l == NULL && m == NULL;

  g_slist_free_full (x, (GDestroyNotify) pango_attribute_destroy);
  g_slist_free_full (y, (GDestroyNotify) pango_attribute_destroy);
  return same;
}

/* Streams @text into @view 23 bytes at a time, and checks after each that the last block shows
 * exactly what one parse of the text so far gives, and that its settled part only grows and
 * stays within a few kilobytes of the end. Returns the last block; @settled is set to the length
 * of its settled text. */
static GtkWidget *
stream_and_compare (GtkWidget *view, GString *text, gsize *settled)
{
  GtkWidget *tail = NULL;

  *settled = 0;
  for (gsize end = 1; end <= text->len; end = MIN (end + 23, text->len + (end == text->len)))
    {
      g_autofree char *shown = g_strndup (text->str, end);
      g_autoptr (GPtrArray) blocks = sam_markdown_parse (shown, end);
      g_autoptr (PangoAttrList) attrs = NULL;
      g_autoptr (PangoAttrList) tail_attrs = NULL;
      g_autofree char *plain = NULL;

      sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view), shown);
      tail = gtk_widget_get_last_child (view);
      g_assert_true (SAM_IS_MARKDOWN_TAIL (tail));
      g_assert_cmpuint (blocks->len, ==, 1);
      g_assert_true (sam_markdown_tail_parse_markup (
          SAM_MARKDOWN_TAIL (tail), ((SamMarkdownBlock *) g_ptr_array_index (blocks, 0))->markup,
          &plain, &attrs));
      g_assert_cmpstr (sam_markdown_tail_get_text (SAM_MARKDOWN_TAIL (tail)), ==, plain);
      tail_attrs = sam_markdown_tail_dup_attributes (SAM_MARKDOWN_TAIL (tail));
      g_assert_true (same_attributes (tail_attrs, attrs));

      /* The settled beginning only grows, and is settled a kilobyte or so at a time. */
      g_assert_cmpuint (sam_markdown_tail_get_settled_length (SAM_MARKDOWN_TAIL (tail)), >=,
                        *settled);
      *settled = sam_markdown_tail_get_settled_length (SAM_MARKDOWN_TAIL (tail));
      g_assert_cmpuint (strlen (plain) - *settled, <, 4096);

      if (end == text->len)
        break;
    }

  return tail;
}

/* A long paragraph being written is parsed only after its settled beginning, and looks at every
 * moment exactly as the whole paragraph parsed at once: emphasis, code, links, marks that stay
 * text, and an emphasis that stays open for a long while before it closes. */
static void
test_markdown_view_settled_paragraph (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = sam_markdown_view_new ();
  GtkWidget *tail = NULL;
  gsize      settled = 0;

  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 600);
  gtk_window_present (GTK_WINDOW (window));

  for (guint i = 0; i < 90; i++)
    {
      g_string_append_printf (text,
                              "Sentence %u has **bold words**, `a code span`, a snake_case "
                              "name, 5 * 3, _some emphasis_ and ~~struck~~ words",
                              i);
      if (i % 9 == 4)
        g_string_append (text, ", a [link](https://example.org/a_b) and *an emphasis opened");
      else if (i % 9 == 7)
        g_string_append (text, " with the emphasis closed*");
      g_string_append (text, i % 11 == 10 ? ".\n" : ". ");
    }

  tail = stream_and_compare (view, text, &settled);
  g_assert_cmpuint (settled, >, text->len / 2);

  /* Laid out in pieces after the settled part, it is as high as the whole paragraph. */
  {
    g_autoptr (GPtrArray) blocks = sam_markdown_parse (text->str, text->len);

    assert_as_whole (tail, ((SamMarkdownBlock *) g_ptr_array_index (blocks, 0))->markup, 400);
  }

  save_screenshot (window, "markdown-settled-paragraph");

  /* A line that makes the whole paragraph a heading: the block is parsed whole again. */
  g_string_append (text, "\n===");
  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view), text->str);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_object_get_data (
                        G_OBJECT (gtk_widget_get_last_child (view)), "sam-block-kind")),
                    ==, SAM_MARKDOWN_BLOCK_HEADING + 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A long bullet list being written is parsed only after its settled items, and looks at every
 * moment exactly as the whole list parsed at once: nested items, tasks, inline marks. */
static void
test_markdown_view_settled_list (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = sam_markdown_view_new ();
  gsize      settled;

  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 600);
  gtk_window_present (GTK_WINDOW (window));

  for (guint i = 0; i < 150; i++)
    {
      g_string_append_printf (
          text, "- Item %u with **bold**, `code` and a [link](https://example.org)", i);
      if (i % 5 == 2)
        g_string_append (text, "\n  - a nested item\n  - [x] a task done");
      g_string_append_c (text, '\n');
    }

  stream_and_compare (view, text, &settled);
  g_assert_cmpuint (settled, >, text->len / 2);

  /* Another bullet begins another list: the block is parsed whole again, as two lists. */
  g_string_append (text, "* another list");
  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view), text->str);
  g_assert_cmpstr (
      sam_markdown_tail_get_text (SAM_MARKDOWN_TAIL (gtk_widget_get_last_child (view))), ==,
      "•  another list");

  /* A numbered list whose items are written with whatever number ("10." first, then "1." and
   * "10." again), shown counted on from the first as Markdown does: its items settle too, and
   * the last one shows its number. */
  sam_markdown_view_set_text (SAM_MARKDOWN_VIEW (view), "");
  g_string_truncate (text, 0);
  for (guint i = 0; i < 150; i++)
    {
      g_string_append_printf (text, "%s Step %u with **bold** and `code`", i % 3 ? "1." : "10.", i);
      if (i % 5 == 2)
        g_string_append (text, "\n    - a nested item\n    - another");
      g_string_append_c (text, '\n');
    }
  stream_and_compare (view, text, &settled);
  g_assert_cmpuint (settled, >, text->len / 2);
  g_assert_nonnull (
      strstr (sam_markdown_tail_get_text (SAM_MARKDOWN_TAIL (gtk_widget_get_last_child (view))),
              "\n159. Step 149 with bold"));
  save_screenshot (window, "markdown-settled-list");

  /* Another delimiter begins another list: parsed whole again. */
  g_string_append (text, "1) another list");
  sam_markdown_view_stream (SAM_MARKDOWN_VIEW (view), text->str);
  g_assert_cmpstr (
      sam_markdown_tail_get_text (SAM_MARKDOWN_TAIL (gtk_widget_get_last_child (view))), ==,
      "1. another list");

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  int ret;

  sam_test_init_environment ();
  gtk_test_init (&argc, &argv, NULL);

  server = sam_test_server_new ();
  g_setenv ("SAMANTHA_PROVIDER", "openai", TRUE);
  g_setenv ("SAMANTHA_BASE_URL", sam_test_server_get_base_url (server), TRUE);
  g_setenv ("SAMANTHA_MODEL", "test-model", TRUE);
  g_setenv ("SAMANTHA_API_KEY", "sk-test-key", TRUE);

  app = sam_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/ui/markdown-view/streaming-keeps-blocks",
                   test_markdown_view_streaming_keeps_blocks);
  g_test_add_func ("/ui/markdown-view/streaming-tail", test_markdown_view_streaming_tail);
  g_test_add_func ("/ui/markdown-view/streaming-code", test_markdown_view_streaming_code);
  g_test_add_func ("/ui/markdown-view/tail-pieces", test_markdown_tail_pieces);
  g_test_add_func ("/ui/markdown-view/settled-paragraph", test_markdown_view_settled_paragraph);
  g_test_add_func ("/ui/markdown-view/settled-list", test_markdown_view_settled_list);
  g_test_add_func ("/ui/markdown-view/select-while-streaming",
                   test_markdown_view_select_while_streaming);
  g_test_add_func ("/ui/chat/send-and-stream", test_chat_send_and_stream);
  g_test_add_func ("/ui/chat/stop-keeps-partial", test_chat_stop_keeps_partial);
  g_test_add_func ("/ui/chat/regenerate-and-edit", test_chat_regenerate_and_edit);
  g_test_add_func ("/ui/chat/error-offers-retry", test_chat_error_offers_retry);
  g_test_add_func ("/ui/chat/delete-and-undo", test_chat_delete_and_undo);
  g_test_add_func ("/ui/chat/search-opens-hit", test_chat_search_opens_hit);
  g_test_add_func ("/ui/chat/long-conversation", test_chat_long_conversation);
  g_test_add_func ("/ui/chat/streaming-sticks-to-bottom", test_chat_streaming_sticks_to_bottom);
  g_test_add_func ("/ui/chat/many-conversations", test_chat_many_conversations);
  g_test_add_func ("/ui/chat/crisis-banner", test_chat_crisis_banner);
  g_test_add_func ("/ui/chat/reminders-and-minors", test_chat_reminders_and_minors);

  ret = g_test_run ();

  g_clear_object (&app);
  g_clear_pointer (&server, sam_test_server_free);
  return ret;
}
