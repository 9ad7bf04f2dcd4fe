/* test-always-there.c — the tray to quick reply to a stored answer to Quit, in one run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The acceptance of "always there": Samantha runs as the session bus starts it
 * (--gapplication-service, no window), a mock StatusNotifierWatcher on a connection of its own
 * plays the desktop, and a replay server on 127.0.0.1 answers with a recorded OpenAI stream.
 * The item registers; Activate, as a left click on the icon, shows quick reply within 200 ms;
 * a question sent there streams its answer and both are stored in the "Quick replies"
 * conversation, read back through a second connection to the database; Quit in the tray menu
 * ends the application's run, as it would end the process. The whole scenario runs inside
 * g_application_run(), the way main() runs Samantha. */

#include "config.h"

#include <adwaita.h>

#include "sam-application.h"
#include "sam-replay-server.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "sam-test-watcher.h"
#include "store/sam-store.h"
#include "ui/sam-chat-view.h"
#include "ui/sam-quick-reply-window.h"
#include "ui/sam-window.h"

#define ITEM_PATH  "/StatusNotifierItem"
#define ITEM_IFACE "org.kde.StatusNotifierItem"
#define MENU_PATH  "/MenuBar"
#define MENU_IFACE "com.canonical.dbusmenu"

#define QUESTION "What's the weather in San Francisco?"
#define ANSWER                                                                          \
  "I'm unable to provide real-time weather updates. To get the current weather in San " \
  "Francisco, I recommend checking a reliable weather website or a weather app."

static SamTestWatcher  *desktop;
static SamReplayServer *server;

typedef struct
{
  SamApplication *app;
  gint64          run_start;
  gint64          quit_start;
  gboolean        scenario_done;
} Scenario;

static gboolean
registered (gpointer data)
{
  return desktop->registrations >= 1 && desktop->host_queries >= 1;
}

static GtkWindow *
mapped_quick_reply (SamApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    {
      if (SAM_IS_QUICK_REPLY_WINDOW (l->data) && gtk_widget_get_mapped (l->data))
        return l->data;
    }

  return NULL;
}

static gboolean
quick_reply_mapped (gpointer data)
{
  return mapped_quick_reply (data) != NULL;
}

static gboolean
provider_ready (gpointer data)
{
  return sam_application_get_provider (data) != NULL;
}

static SamMessage *
last_message (SamChat *chat)
{
  GListModel *messages = sam_chat_get_messages (chat);
  guint       n = g_list_model_get_n_items (messages);

  return n > 0 ? g_list_model_get_item (messages, n - 1) : NULL;
}

/* The answer on screen, part of the way there. */
static gboolean
answer_streaming (gpointer data)
{
  g_autoptr (SamMessage) last = last_message (data);

  return sam_chat_get_busy (data) && last != NULL &&
         sam_message_get_role (last) == SAM_MESSAGE_ROLE_ASSISTANT &&
         sam_message_get_content_length (last) > 0 &&
         sam_message_get_content_length (last) < strlen (ANSWER);
}

static gboolean
chat_idle (gpointer data)
{
  return !sam_chat_get_busy (data);
}

/* The recorded stream, one server-sent event per write, 15 ms apart. */
static void
queue_recorded_answer (void)
{
  g_autoptr (GBytes) body = sam_test_load_fixture ("wire/openai-stream-basic.sse");
  g_autoptr (GPtrArray) pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const char *data = g_bytes_get_data (body, NULL);
  gsize       size = g_bytes_get_size (body);
  gsize       start = 0;

  for (gsize i = 0; i + 1 < size; i++)
    {
      if (data[i] == '\n' && data[i + 1] == '\n')
        {
          g_ptr_array_add (pieces, g_bytes_new_from_bytes (body, start, i + 2 - start));
          start = i + 2;
        }
    }
  if (start < size)
    g_ptr_array_add (pieces, g_bytes_new_from_bytes (body, start, size - start));

  g_assert_cmpuint (pieces->len, >, 10);
  sam_replay_server_queue_pieces (server, "text/event-stream", pieces, 15, FALSE);
}

/* The ID of the tray menu's item labelled @label, as the desktop reads it from the layout. */
static int
menu_item_id (const char *sender, const char *label)
{
  static const char *const no_properties[] = { NULL };
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) layout = NULL;
  g_autoptr (GVariant) children = NULL;
  g_autoptr (GError) error = NULL;

  reply = sam_test_watcher_call (desktop, sender, MENU_PATH, MENU_IFACE, "GetLayout",
                                 g_variant_new ("(ii^as)", 0, -1, no_properties), &error);
  g_assert_no_error (error);
  layout = g_variant_get_child_value (reply, 1);
  children = g_variant_get_child_value (layout, 2);

  for (gsize i = 0; i < g_variant_n_children (children); i++)
    {
      g_autoptr (GVariant) boxed = g_variant_get_child_value (children, i);
      g_autoptr (GVariant) child = g_variant_get_variant (boxed);
      g_autoptr (GVariant) properties = g_variant_get_child_value (child, 1);
      const char *child_label = NULL;
      int         id;

      g_variant_get_child (child, 0, "i", &id);
      if (g_variant_lookup (properties, "label", "&s", &child_label) &&
          g_strcmp0 (child_label, label) == 0)
        return id;
    }

  g_assert_not_reached ();
}

/* Reads the "Quick replies" conversation back through a connection of its own to the file. */
static void
assert_stored (const char *path, gint64 conversation_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = sam_store_new_for_path (path, &error);
  g_autoptr (GPtrArray) conversations = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  SamConversation *quick_replies = NULL;
  SamMessage      *question;
  SamMessage      *answer;

  g_assert_no_error (error);
  conversations = sam_store_list_conversations (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < conversations->len; i++)
    {
      SamConversation *conversation = g_ptr_array_index (conversations, i);

      if (sam_conversation_get_kind (conversation) == SAM_CONVERSATION_KIND_QUICK_REPLY)
        {
          g_assert_null (quick_replies);
          quick_replies = conversation;
        }
    }

  g_assert_nonnull (quick_replies);
  g_assert_cmpint (sam_conversation_get_id (quick_replies), ==, conversation_id);
  g_assert_cmpstr (sam_conversation_get_title (quick_replies), ==, "Quick Replies");

  messages = sam_store_get_recent_messages (store, quick_replies, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 2);
  question = g_ptr_array_index (messages, 0);
  answer = g_ptr_array_index (messages, 1);
  g_assert_cmpint (sam_message_get_role (question), ==, SAM_MESSAGE_ROLE_USER);
  g_assert_cmpstr (sam_message_get_content (question), ==, QUESTION);
  g_assert_cmpint (sam_message_get_role (answer), ==, SAM_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpstr (sam_message_get_content (answer), ==, ANSWER);
  g_assert_cmpint (sam_message_get_state (answer), ==, SAM_MESSAGE_STATE_COMPLETE);
  g_assert_cmpstr (sam_message_get_finish_reason (answer), ==, "stop");
}

static void
run_scenario (gpointer data)
{
  Scenario       *scenario = data;
  SamApplication *app = scenario->app;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char        *sender = NULL;
  g_autofree char        *store_path = NULL;
  const SamReplayRequest *request;
  SamQuickReplyWindow    *window;
  SamChatView            *view;
  SamChat                *chat;
  GtkTextView            *text_view;
  SamTestCall             call;
  gint64                  start;
  double                  mapped_ms;
  double                  drawn_ms;
  int                     quit_id;

  /* Started without a window, the item registers with the desktop. */
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
  g_assert_true (sam_test_ui_wait_for (registered, NULL, 5000));
  g_test_message ("run → tray item registered in %.0f ms",
                  (g_get_monotonic_time () - scenario->run_start) / 1000.0);
  g_assert_cmpstr (desktop->service, ==, ITEM_PATH);
  sender = g_strdup (desktop->sender);
  g_assert_true (sam_test_ui_wait_for (provider_ready, app, 5000));
  sam_test_ui_iterate (100);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));

  /* A left click on the icon: quick reply, within 200 ms of the call. */
  start = g_get_monotonic_time ();
  sam_test_watcher_call_start (desktop, sender, ITEM_PATH, ITEM_IFACE, "Activate",
                               g_variant_new ("(ii)", 0, 0), &call);
  g_assert_true (sam_test_ui_wait_for (quick_reply_mapped, app, 2000));
  mapped_ms = (g_get_monotonic_time () - start) / 1000.0;
  window = SAM_QUICK_REPLY_WINDOW (mapped_quick_reply (app));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  drawn_ms = (g_get_monotonic_time () - start) / 1000.0;
  g_test_message ("Activate → quick-reply window mapped in %.1f ms, drawn in %.1f ms", mapped_ms,
                  drawn_ms);
  g_assert_cmpfloat (mapped_ms, <, 200.0);
  reply = sam_test_call_wait (&call, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);

  /* On the "Quick replies" conversation, the composer ready for typing. */
  g_assert_cmpint (sam_conversation_get_kind (sam_quick_reply_window_get_conversation (window)), ==,
                   SAM_CONVERSATION_KIND_QUICK_REPLY);
  view = SAM_CHAT_VIEW (sam_quick_reply_window_get_conversation_widget (window));
  chat = sam_chat_view_get_chat (view);
  text_view = GTK_TEXT_VIEW (
      gtk_widget_get_template_child (GTK_WIDGET (view), SAM_TYPE_CHAT_VIEW, "text_view"));
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (window)) == GTK_WIDGET (text_view));

  /* A question; the answer streams in, then ends. */
  queue_recorded_answer ();
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (text_view), QUESTION, -1);
  start = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (answer_streaming, chat, 5000));
  g_test_message ("send → first words of the answer on screen in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 10000));
  g_test_message ("send → answer complete in %.0f ms", (g_get_monotonic_time () - start) / 1000.0);

  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, 1);
  request = sam_replay_server_get_request (server, 0);
  g_assert_cmpstr (request->path, ==, "/v1/chat/completions");
  g_assert_nonnull (strstr (g_bytes_get_data (request->body, NULL), QUESTION));

  /* Both are in the database. */
  store_path = g_strdup (sam_store_get_path (sam_chat_get_store (chat)));
  assert_stored (store_path,
                 sam_conversation_get_id (sam_quick_reply_window_get_conversation (window)));

  /* Quit in the tray menu. */
  quit_id = menu_item_id (sender, "_Quit");
  scenario->quit_start = g_get_monotonic_time ();
  reply = sam_test_watcher_call (
      desktop, sender, MENU_PATH, MENU_IFACE, "Event",
      g_variant_new ("(isvu)", quit_id, "clicked", g_variant_new_int32 (0), 0), &error);
  g_assert_no_error (error);
  scenario->scenario_done = TRUE;
}

static gboolean
app_name_has_owner (void)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  gboolean has_owner = FALSE;

  reply = sam_test_watcher_call (desktop, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "NameHasOwner",
                                 g_variant_new ("(s)", APP_ID), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

static gboolean
app_is_gone (gpointer data)
{
  return !app_name_has_owner ();
}

static void
test_always_there (void)
{
  char    *argv[] = { (char *) "samantha", (char *) "--gapplication-service", NULL };
  Scenario scenario = { 0 };
  int      status;

  sam_test_watcher_appear (desktop);
  g_assert_false (app_name_has_owner ());

  scenario.app = sam_application_new ();
  g_idle_add_once (run_scenario, &scenario);
  scenario.run_start = g_get_monotonic_time ();
  status = g_application_run (G_APPLICATION (scenario.app), G_N_ELEMENTS (argv) - 1, argv);

  /* The run ended because of Quit, and cleanly. */
  g_assert_true (scenario.scenario_done);
  g_assert_cmpint (status, ==, 0);
  g_test_message ("Quit in the tray menu → run over in %.0f ms",
                  (g_get_monotonic_time () - scenario.quit_start) / 1000.0);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (scenario.app)));

  g_assert_finalize_object (scenario.app);
  g_assert_true (sam_test_ui_wait_for (app_is_gone, NULL, 5000));
}

/* Without a tray, closing the last window mid-reply: Samantha stays until the reply is stored
 * whole, then ends by itself. */

typedef struct
{
  SamApplication *app;
  SamChat        *chat;
  char           *store_path;
  gint64          closed;
  gint64          reply_done;
} LastWindow;

static GtkWindow *
mapped_main_window (SamApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    {
      if (SAM_IS_WINDOW (l->data) && gtk_widget_get_mapped (l->data))
        return l->data;
    }

  return NULL;
}

static gboolean
main_window_mapped (gpointer data)
{
  return mapped_main_window (data) != NULL;
}

static void
reply_finished_cb (SamChat *chat, SamMessage *reply, GError *error, LastWindow *last)
{
  last->reply_done = g_get_monotonic_time ();
}

static void
close_mid_reply (gpointer data)
{
  LastWindow  *last = data;
  GtkWindow   *window;
  SamChatView *view;
  GtkTextView *text_view;

  g_assert_true (sam_test_ui_wait_for (main_window_mapped, last->app, 5000));
  g_assert_true (sam_test_ui_wait_for (provider_ready, last->app, 5000));
  window = mapped_main_window (last->app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));

  view = sam_window_get_chat_view (SAM_WINDOW (window));
  last->chat = g_object_ref (sam_chat_view_get_chat (view));
  last->store_path = g_strdup (sam_store_get_path (sam_chat_get_store (last->chat)));
  g_signal_connect (last->chat, "reply-finished", G_CALLBACK (reply_finished_cb), last);
  text_view = GTK_TEXT_VIEW (
      gtk_widget_get_template_child (GTK_WIDGET (view), SAM_TYPE_CHAT_VIEW, "text_view"));

  queue_recorded_answer ();
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (text_view), QUESTION, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (answer_streaming, last->chat, 5000));

  last->closed = g_get_monotonic_time ();
  gtk_window_close (window);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (last->app)));
}

static void
test_last_window_closed_mid_reply (void)
{
  char *argv[] = { (char *) "samantha", NULL };
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = NULL;
  g_autoptr (SamConversation) conversation = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  LastWindow last = { 0 };
  int        status;

  /* No tray, and nothing asked to run in the background; no notification daemon either. */
  sam_test_watcher_vanish (desktop);
  g_settings_set_boolean (settings, "do-not-disturb", TRUE);

  last.app = sam_application_new ();
  g_idle_add_once (close_mid_reply, &last);
  status = g_application_run (G_APPLICATION (last.app), G_N_ELEMENTS (argv) - 1, argv);
  g_assert_cmpint (status, ==, 0);

  /* The run outlived the window until the reply had arrived whole. */
  g_assert_cmpint (last.closed, >, 0);
  g_assert_cmpint (last.reply_done, >, last.closed);
  g_assert_false (sam_chat_get_busy (last.chat));
  g_test_message ("last window closed mid-reply → reply stored %.0f ms later, then the run ended",
                  (last.reply_done - last.closed) / 1000.0);

  store = sam_store_new_for_path (last.store_path, &error);
  g_assert_no_error (error);
  conversation = sam_store_get_conversation (
      store, sam_conversation_get_id (sam_chat_get_conversation (last.chat)), &error);
  g_assert_no_error (error);
  messages = sam_store_get_recent_messages (store, conversation, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpstr (sam_message_get_content (g_ptr_array_index (messages, 1)), ==, ANSWER);
  g_assert_cmpint (sam_message_get_state (g_ptr_array_index (messages, 1)), ==,
                   SAM_MESSAGE_STATE_COMPLETE);

  g_settings_reset (settings, "do-not-disturb");
  g_clear_object (&last.chat);
  g_free (last.store_path);
  g_assert_finalize_object (last.app);
}

int
main (int argc, char *argv[])
{
  g_autofree char *base_url = NULL;
  int              ret;

  sam_test_init_environment ();
  gtk_test_init (&argc, &argv, NULL);

  server = sam_replay_server_new (NULL);
  base_url = g_strconcat (sam_replay_server_get_url (server), "/v1", NULL);
  g_setenv ("SAMANTHA_PROVIDER", "openai", TRUE);
  g_setenv ("SAMANTHA_BASE_URL", base_url, TRUE);
  g_setenv ("SAMANTHA_MODEL", "gpt-4o", TRUE);
  g_setenv ("SAMANTHA_API_KEY", "sk-test-always-there", TRUE);

  desktop = sam_test_watcher_new ();

  g_test_add_func ("/always-there/tray-quick-reply-store-quit", test_always_there);
  g_test_add_func ("/always-there/last-window-closed-mid-reply", test_last_window_closed_mid_reply);

  ret = g_test_run ();

  g_clear_pointer (&desktop, sam_test_watcher_free);
  g_clear_pointer (&server, sam_replay_server_free);
  return ret;
}
