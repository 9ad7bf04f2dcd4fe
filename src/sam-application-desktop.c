/* sam-application-desktop.c — the application's life on the desktop: tray, quick reply,
 * notification actions, running in the background.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The tray menu, notification buttons, the desktop file's action and `samantha --quick-reply`
 * all end in the actions installed here:
 *
 * - app.quick-reply: quick reply on the "Quick replies" conversation. It takes no parameter
 *   because the desktop file's action is activated over D-Bus without one, and GLib refuses
 *   a parameter-less activation of an action that expects one;
 * - app.quick-reply-to (s): quick reply on one conversation, for a notification's Reply button;
 * - app.open-conversation (s): the main window, on that conversation (the store's ID in
 *   decimal); empty just shows it;
 * - app.do-not-disturb: a boolean stored in GSettings.
 *
 * Every window gets the SamChat of a conversation here (sam_application_desktop_get_chat), so
 * the main window and quick reply share one chat per conversation, a reply keeps streaming
 * after its window closes, and a reply that completes while no window has the focus is
 * announced in one place.
 *
 * Samantha keeps running without a window only where the user can get back to it: while a
 * tray shows its icon, or when the user asked for it in the preferences. Otherwise closing the
 * last window quits, as in any app. */

#include "config.h"

#include <glib/gi18n.h>

#include "desktop/sam-background.h"
#include "desktop/sam-notifications.h"
#include "sam-application-desktop.h"
#include "ui/sam-chat-view.h"
#include "ui/sam-window.h"

struct _SamApplicationDesktop
{
  GObject parent_instance;

  /* Unowned: the application owns us and outlives us. */
  SamApplication      *application;
  GSettings           *settings;
  SamTray             *tray;
  SamQuickReplyWindow *quick_reply;
  GCancellable        *cancellable;

  /* Conversation ID → SamChat, unowned: every chat alive, whoever holds it. */
  GHashTable *chats;
  /* The chats with a reply under way, held until it ends. */
  GHashTable *running;
  /* The "Quick replies" conversation, once found. */
  gint64 quick_replies_id;

  guint held : 1;
  guint background_requested : 1;
  guint background_denied : 1;
  guint pixmaps_set : 1;
};

G_DEFINE_FINAL_TYPE (SamApplicationDesktop, sam_application_desktop, G_TYPE_OBJECT)

static const GOptionEntry option_entries[] = {
  { "quick-reply", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_ ("Open the quick reply window of the running Samantha"), NULL },
  { NULL }
};

static GtkWindow *
sam_application_desktop_get_main_window (SamApplicationDesktop *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self->application)); l; l = l->next)
    {
      if (SAM_IS_WINDOW (l->data))
        return l->data;
    }

  return NULL;
}

static void
sam_application_desktop_update_hold (SamApplicationDesktop *self)
{
  gboolean tray_shown = self->tray != NULL && sam_tray_get_available (self->tray);
  gboolean want = !self->background_denied &&
                  (tray_shown || g_settings_get_boolean (self->settings, "run-in-background"));

  if (want == self->held)
    return;

  self->held = want;
  g_debug ("%s in the background", want ? "Staying" : "Not staying");

  if (want)
    g_application_hold (G_APPLICATION (self->application));
  else
    g_application_release (G_APPLICATION (self->application));
}

/* Chats. */

static void
chat_finalized_cb (gpointer data, GObject *where_the_object_was)
{
  SamApplicationDesktop *self = data;
  GHashTableIter         iter;
  gpointer               chat;

  g_hash_table_iter_init (&iter, self->chats);
  while (g_hash_table_iter_next (&iter, NULL, &chat))
    {
      if (chat == (gpointer) where_the_object_was)
        {
          g_hash_table_iter_remove (&iter);
          break;
        }
    }
}

static void
chat_busy_cb (SamApplicationDesktop *self, GParamSpec *pspec, SamChat *chat)
{
  guint before = g_hash_table_size (self->running);
  guint after;

  /* A reply goes on when its window closes, even the last one: it is still stored whole, and
   * announced. */
  if (sam_chat_get_busy (chat))
    g_hash_table_add (self->running, g_object_ref (chat));
  else
    g_hash_table_remove (self->running, chat);

  after = g_hash_table_size (self->running);
  if (before == 0 && after > 0)
    g_application_hold (G_APPLICATION (self->application));
  else if (before > 0 && after == 0)
    g_application_release (G_APPLICATION (self->application));
}

static void
chat_reply_finished_cb (SamApplicationDesktop *self,
                        SamMessage            *reply,
                        const GError          *error,
                        SamChat               *chat)
{
  SamConversation *conversation = sam_chat_get_conversation (chat);
  g_autofree char *conversation_id = NULL;

  /* Only a reply that came to its end is news: a failure shows in the conversation, and a
   * reply the user stopped was seen. */
  if (error != NULL || sam_message_get_state (reply) != SAM_MESSAGE_STATE_COMPLETE ||
      g_strcmp0 (sam_message_get_finish_reason (reply), "stopped") == 0 ||
      sam_message_get_content_length (reply) == 0)
    return;

  conversation_id = g_strdup_printf ("%" G_GINT64_FORMAT, sam_conversation_get_id (conversation));
  if (sam_notifications_reply_completed (G_APPLICATION (self->application), conversation_id,
                                         sam_conversation_get_title (conversation),
                                         sam_message_get_content (reply)) &&
      self->tray != NULL)
    sam_tray_set_needs_attention (self->tray, TRUE);
}

static void
provider_changed_cb (SamApplicationDesktop *self, GParamSpec *pspec, SamApplication *application)
{
  GHashTableIter iter;
  gpointer       chat;

  g_hash_table_iter_init (&iter, self->chats);
  while (g_hash_table_iter_next (&iter, NULL, &chat))
    sam_chat_set_provider (chat, sam_application_get_provider (application));
}

/**
 * sam_application_desktop_get_chat:
 * @conversation: a conversation of the application's store
 * @error: where to say why the conversation cannot be opened
 *
 * The one SamChat of @conversation, shared by every window that shows it. It uses the
 * application's model provider, keeps streaming a reply after the windows let go of it, and
 * sends a notification for a reply that completes while no window has the focus.
 *
 * Returns: (transfer full) (nullable): the chat
 */
SamChat *
sam_application_desktop_get_chat (SamApplicationDesktop *self,
                                  SamConversation       *conversation,
                                  GError               **error)
{
  gint64    id;
  gint64   *key;
  SamChat  *chat;
  SamStore *store;

  g_return_val_if_fail (SAM_IS_APPLICATION_DESKTOP (self), NULL);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), NULL);

  id = sam_conversation_get_id (conversation);
  if ((chat = g_hash_table_lookup (self->chats, &id)))
    return g_object_ref (chat);

  if (!(store = sam_application_get_store (self->application, error)) ||
      !(chat = sam_chat_new (store, conversation, error)))
    return NULL;

  sam_chat_set_provider (chat, sam_application_get_provider (self->application));
  sam_chat_set_settings (chat, self->settings);
  g_signal_connect_object (chat, "notify::busy", G_CALLBACK (chat_busy_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (chat, "reply-finished", G_CALLBACK (chat_reply_finished_cb), self,
                           G_CONNECT_SWAPPED);
  g_object_weak_ref (G_OBJECT (chat), chat_finalized_cb, self);

  key = g_new (gint64, 1);
  *key = id;
  g_hash_table_insert (self->chats, key, chat);

  return chat;
}

/* The quick-reply window. */

/* The "Quick replies" conversation: the newest one of that kind, created on first use. */
static SamConversation *
find_quick_replies (SamApplicationDesktop *self, SamStore *store, GError **error)
{
  g_autoptr (GPtrArray) conversations = NULL;
  SamConversation *conversation;

  if (self->quick_replies_id > 0 &&
      (conversation = sam_store_get_conversation (store, self->quick_replies_id, NULL)))
    {
      if (!sam_conversation_get_deleted (conversation))
        return conversation;
      g_object_unref (conversation);
    }

  if (!(conversations = sam_store_list_conversations (store, error)))
    return NULL;

  conversation = NULL;
  for (guint i = 0; i < conversations->len && conversation == NULL; i++)
    {
      SamConversation *candidate = g_ptr_array_index (conversations, i);

      if (sam_conversation_get_kind (candidate) == SAM_CONVERSATION_KIND_QUICK_REPLY)
        conversation = g_object_ref (candidate);
    }

  if (conversation == NULL)
    {
      /* Translators: the title of the conversation that keeps quick replies. */
      const char *title = _ ("Quick Replies");

      if (!(conversation = sam_store_create_conversation (
                store, title, SAM_CONVERSATION_KIND_QUICK_REPLY, error)))
        return NULL;
    }

  self->quick_replies_id = sam_conversation_get_id (conversation);
  return conversation;
}

/* The conversation @conversation_id names, or the "Quick replies" one when it names none that
 * is still there (a notification may outlive its conversation). */
static SamConversation *
find_conversation (SamApplicationDesktop *self, const char *conversation_id, GError **error)
{
  SamStore *store;
  gint64    id;

  if (!(store = sam_application_get_store (self->application, error)))
    return NULL;

  if (conversation_id != NULL && *conversation_id != '\0' &&
      g_ascii_string_to_signed (conversation_id, 10, 1, G_MAXINT64, &id, NULL))
    {
      g_autoptr (SamConversation) conversation = sam_store_get_conversation (store, id, NULL);

      if (conversation != NULL && !sam_conversation_get_deleted (conversation))
        return g_steal_pointer (&conversation);
      g_debug ("No conversation %s for quick reply", conversation_id);
    }

  return find_quick_replies (self, store, error);
}

static void
sam_application_desktop_show_quick_reply (SamApplicationDesktop *self, const char *conversation_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamConversation) conversation = NULL;
  g_autoptr (SamChat) chat = NULL;
  const char *token = NULL;
  GtkWidget  *view;

  if (self->quick_reply == NULL)
    {
      self->quick_reply = sam_quick_reply_window_new (self->application);
      g_object_add_weak_pointer (G_OBJECT (self->quick_reply), (gpointer *) &self->quick_reply);
    }

  if (!(conversation = find_conversation (self, conversation_id, &error)) ||
      !(chat = sam_application_desktop_get_chat (self, conversation, &error)))
    {
      sam_quick_reply_window_show_error (self->quick_reply, error->message);
    }
  else
    {
      if (!(view = sam_quick_reply_window_get_conversation_widget (self->quick_reply)))
        {
          view = sam_chat_view_new ();
          sam_chat_view_set_compact (SAM_CHAT_VIEW (view), TRUE);
          sam_quick_reply_window_set_conversation_widget (self->quick_reply, view);
        }

      {
        g_autofree char *name = g_settings_get_string (self->settings, "companion-name");

        sam_chat_view_set_companion_name (SAM_CHAT_VIEW (view), g_strstrip (name));
      }
      sam_chat_view_set_chat (SAM_CHAT_VIEW (view), chat);
      sam_quick_reply_window_set_conversation (self->quick_reply, conversation);
      sam_chat_view_focus_composer (SAM_CHAT_VIEW (view));
      sam_notifications_withdraw (G_APPLICATION (self->application),
                                  sam_quick_reply_window_get_conversation_id (self->quick_reply));
    }

  /* On Wayland a window may take the focus only with the token of the click that opened it. */
  if (self->tray != NULL)
    token = sam_tray_get_activation_token (self->tray);
  if (token != NULL)
    gtk_window_set_startup_id (GTK_WINDOW (self->quick_reply), token);

  gtk_window_present (GTK_WINDOW (self->quick_reply));
}

static void
quick_reply_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  sam_application_desktop_show_quick_reply (user_data, "");
}

static void
quick_reply_to_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  sam_application_desktop_show_quick_reply (user_data, g_variant_get_string (parameter, NULL));
}

static void
open_conversation_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  SamApplicationDesktop *self = user_data;
  const char            *conversation_id = g_variant_get_string (parameter, NULL);
  const char            *token = NULL;
  GtkWindow             *window;
  gint64                 id;

  sam_notifications_withdraw (G_APPLICATION (self->application), conversation_id);

  /* Activation presents the main window, creating it if needed. */
  g_application_activate (G_APPLICATION (self->application));
  if (!(window = sam_application_desktop_get_main_window (self)))
    return;

  if (self->tray != NULL)
    token = sam_tray_get_activation_token (self->tray);
  if (token != NULL)
    gtk_window_set_startup_id (window, token);

  /* Conversation IDs travel as strings: notification targets and the command line are text. */
  if (*conversation_id != '\0' &&
      g_ascii_string_to_signed (conversation_id, 10, 1, G_MAXINT64, &id, NULL) &&
      !sam_window_select_conversation (SAM_WINDOW (window), id))
    g_debug ("No conversation %s to open", conversation_id);
}

/* The tray. */

/* The icon as pixels, for tray hosts that cannot look it up by name: ARGB32 in network byte
 * order, in a few sizes. */
static GVariant *
render_icon_pixmaps (void)
{
  static const int sizes[] = { 22, 32, 48 };
  GVariantBuilder  builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(iiay)"));

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GdkPixbuf) loaded = NULL;
      g_autoptr (GdkPixbuf) pixbuf = NULL;
      const guint8 *pixels;
      guint8       *argb;
      int           width, height, rowstride;

      loaded = gdk_pixbuf_new_from_resource_at_scale (
          RESOURCE_PATH "/icons/scalable/apps/" APP_ID ".svg", sizes[i], sizes[i], TRUE, &error);
      if (loaded == NULL)
        {
          g_debug ("No tray icon pixmap: %s", error->message);
          break;
        }

      pixbuf = gdk_pixbuf_add_alpha (loaded, FALSE, 0, 0, 0);
      width = gdk_pixbuf_get_width (pixbuf);
      height = gdk_pixbuf_get_height (pixbuf);
      rowstride = gdk_pixbuf_get_rowstride (pixbuf);
      pixels = gdk_pixbuf_read_pixels (pixbuf);
      argb = g_malloc ((gsize) width * height * 4);

      for (int y = 0; y < height; y++)
        {
          for (int x = 0; x < width; x++)
            {
              const guint8 *src = pixels + (gsize) y * rowstride + (gsize) x * 4;
              guint8       *dst = argb + ((gsize) y * width + x) * 4;

              dst[0] = src[3];
              dst[1] = src[0];
              dst[2] = src[1];
              dst[3] = src[2];
            }
        }

      g_variant_builder_add (&builder, "(ii@ay)", width, height,
                             g_variant_new_from_data (G_VARIANT_TYPE ("ay"), argb,
                                                      (gsize) width * height * 4, TRUE, g_free,
                                                      argb));
    }

  return g_variant_builder_end (&builder);
}

static void
tray_available_cb (SamApplicationDesktop *self, GParamSpec *pspec, SamTray *tray)
{
  /* Rendering the pixmaps loads the SVG loader; only pay for it when a tray shows the icon. */
  if (sam_tray_get_available (tray) && !self->pixmaps_set)
    {
      self->pixmaps_set = TRUE;
      sam_tray_set_icon_pixmaps (tray, render_icon_pixmaps ());
    }

  sam_application_desktop_update_hold (self);
}

static void
window_is_active_cb (SamApplicationDesktop *self, GParamSpec *pspec, GtkWindow *window)
{
  /* The user is back: nothing waits any more. */
  if (self->tray != NULL && gtk_window_is_active (window))
    sam_tray_set_needs_attention (self->tray, FALSE);
}

/* Background. */

static void
request_background_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamApplicationDesktop) self = user_data;
  g_autoptr (GError) error = NULL;
  GtkWindow *window;

  if (sam_background_request_finish (result, &error))
    return;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_debug ("Background: %s", error->message);

  /* Refused: do not linger unseen, and do not pretend to start at login. */
  self->background_denied = TRUE;
  if (g_settings_get_boolean (self->settings, "start-at-login"))
    g_settings_set_boolean (self->settings, "start-at-login", FALSE);
  sam_application_desktop_update_hold (self);

  if ((window = sam_application_desktop_get_main_window (self)))
    sam_window_add_toast (SAM_WINDOW (window), adw_toast_new (error->message));
}

static void
sam_application_desktop_request_background (SamApplicationDesktop *self)
{
  self->background_requested = TRUE;
  self->background_denied = FALSE;

  sam_background_request_async (sam_application_desktop_get_main_window (self),
                                g_settings_get_boolean (self->settings, "start-at-login"),
                                self->cancellable, request_background_cb, g_object_ref (self));
}

static void
settings_changed_cb (SamApplicationDesktop *self, const char *key, GSettings *settings)
{
  if (g_str_equal (key, "show-in-tray"))
    {
      if (self->tray != NULL)
        sam_tray_set_visible (self->tray, g_settings_get_boolean (settings, key));
    }
  else if (g_str_equal (key, "run-in-background"))
    {
      /* Starting at login only makes sense for an app that stays. */
      if (!g_settings_get_boolean (settings, key) &&
          g_settings_get_boolean (settings, "start-at-login"))
        g_settings_set_boolean (settings, "start-at-login", FALSE);
      self->background_denied = FALSE;
      sam_application_desktop_update_hold (self);
    }
  else if (g_str_equal (key, "start-at-login"))
    sam_application_desktop_request_background (self);
}

static void
window_added_cb (SamApplicationDesktop *self, GtkWindow *window, GtkApplication *application)
{
  g_signal_connect_object (window, "notify::is-active", G_CALLBACK (window_is_active_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
window_removed_cb (SamApplicationDesktop *self, GtkWindow *window, GtkApplication *application)
{
  /* In a sandbox, ask the portal once before living on without a window; it may say no. */
  if (self->held && !self->background_requested &&
      gtk_application_get_windows (application) == NULL && sam_background_is_sandboxed ())
    sam_application_desktop_request_background (self);
}

static void
sam_application_desktop_dispose (GObject *object)
{
  SamApplicationDesktop *self = SAM_APPLICATION_DESKTOP (object);

  g_cancellable_cancel (self->cancellable);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->tray != NULL)
    g_signal_handlers_disconnect_by_data (self->tray, self);
  if (self->quick_reply != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->quick_reply), (gpointer *) &self->quick_reply);
  self->quick_reply = NULL;

  /* Replies still under way end here, kept as far as they got. */
  if (self->chats != NULL)
    {
      GHashTableIter iter;
      gpointer       chat;

      g_hash_table_iter_init (&iter, self->chats);
      while (g_hash_table_iter_next (&iter, NULL, &chat))
        {
          g_signal_handlers_disconnect_by_data (chat, self);
          g_object_weak_unref (chat, chat_finalized_cb, self);
          sam_chat_stop (chat);
        }
      g_hash_table_remove_all (self->chats);
    }
  if (self->running != NULL && g_hash_table_size (self->running) > 0)
    g_application_release (G_APPLICATION (self->application));
  g_clear_pointer (&self->running, g_hash_table_unref);

  if (self->held)
    {
      self->held = FALSE;
      g_application_release (G_APPLICATION (self->application));
    }

  g_clear_object (&self->tray);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (sam_application_desktop_parent_class)->dispose (object);
}

static void
sam_application_desktop_finalize (GObject *object)
{
  SamApplicationDesktop *self = SAM_APPLICATION_DESKTOP (object);

  g_clear_pointer (&self->chats, g_hash_table_unref);

  G_OBJECT_CLASS (sam_application_desktop_parent_class)->finalize (object);
}

static void
sam_application_desktop_class_init (SamApplicationDesktopClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sam_application_desktop_dispose;
  object_class->finalize = sam_application_desktop_finalize;
}

static void
sam_application_desktop_init (SamApplicationDesktop *self)
{
  self->cancellable = g_cancellable_new ();
  self->chats = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->running = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}

/**
 * sam_application_desktop_new:
 * @application: the application, already registered
 *
 * Installs app.quick-reply, app.quick-reply-to, app.open-conversation and app.do-not-disturb,
 * shows the tray icon
 * and keeps @application running in the background while that is wanted. Create it in
 * startup and drop it in shutdown.
 */
SamApplicationDesktop *
sam_application_desktop_new (SamApplication *application)
{
  g_autoptr (GSimpleAction) quick_reply = NULL;
  g_autoptr (GSimpleAction) quick_reply_to = NULL;
  g_autoptr (GSimpleAction) open_conversation = NULL;
  g_autoptr (GAction) do_not_disturb = NULL;
  SamApplicationDesktop *self;
  GDBusConnection       *connection;

  g_return_val_if_fail (SAM_IS_APPLICATION (application), NULL);

  self = g_object_new (SAM_TYPE_APPLICATION_DESKTOP, NULL);
  self->application = application;
  self->settings = g_settings_new (APP_ID);

  quick_reply = g_simple_action_new ("quick-reply", NULL);
  g_signal_connect_object (quick_reply, "activate", G_CALLBACK (quick_reply_action_cb), self, 0);
  g_action_map_add_action (G_ACTION_MAP (application), G_ACTION (quick_reply));

  quick_reply_to = g_simple_action_new ("quick-reply-to", G_VARIANT_TYPE_STRING);
  g_signal_connect_object (quick_reply_to, "activate", G_CALLBACK (quick_reply_to_action_cb), self,
                           0);
  g_action_map_add_action (G_ACTION_MAP (application), G_ACTION (quick_reply_to));

  open_conversation = g_simple_action_new ("open-conversation", G_VARIANT_TYPE_STRING);
  g_signal_connect_object (open_conversation, "activate", G_CALLBACK (open_conversation_action_cb),
                           self, 0);
  g_action_map_add_action (G_ACTION_MAP (application), G_ACTION (open_conversation));

  do_not_disturb = g_settings_create_action (self->settings, "do-not-disturb");
  g_action_map_add_action (G_ACTION_MAP (application), do_not_disturb);

  /* GSettings only reports changes of keys that were read. */
  g_settings_get_boolean (self->settings, "start-at-login");
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self,
                           G_CONNECT_SWAPPED);

  connection = g_application_get_dbus_connection (G_APPLICATION (application));
  if (connection != NULL)
    {
      g_autoptr (GError) error = NULL;

      self->tray = sam_tray_new (connection, G_ACTION_GROUP (application), &error);
      if (self->tray == NULL)
        g_warning ("Could not export the tray icon: %s", error->message);
      else
        {
          sam_tray_set_visible (self->tray,
                                g_settings_get_boolean (self->settings, "show-in-tray"));
          g_signal_connect_object (self->tray, "notify::available", G_CALLBACK (tray_available_cb),
                                   self, G_CONNECT_SWAPPED);
        }
    }

  g_signal_connect_object (application, "notify::provider", G_CALLBACK (provider_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (application, "window-added", G_CALLBACK (window_added_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (application, "window-removed", G_CALLBACK (window_removed_cb), self,
                           G_CONNECT_SWAPPED);

  sam_application_desktop_update_hold (self);

  return self;
}

SamTray *
sam_application_desktop_get_tray (SamApplicationDesktop *self)
{
  g_return_val_if_fail (SAM_IS_APPLICATION_DESKTOP (self), NULL);

  return self->tray;
}

/* The quick-reply window if it is open, else %NULL. */
SamQuickReplyWindow *
sam_application_desktop_get_quick_reply_window (SamApplicationDesktop *self)
{
  g_return_val_if_fail (SAM_IS_APPLICATION_DESKTOP (self), NULL);

  return self->quick_reply;
}

/* Whether the application holds itself to keep running without a window. */
gboolean
sam_application_desktop_get_held (SamApplicationDesktop *self)
{
  g_return_val_if_fail (SAM_IS_APPLICATION_DESKTOP (self), FALSE);

  return self->held;
}

/* Adds --quick-reply; call from the application's init. */
void
sam_application_desktop_add_options (GApplication *application)
{
  g_application_add_main_option_entries (application, option_entries);
}

/**
 * sam_application_desktop_handle_local_options:
 *
 * Handles --quick-reply: it becomes the primary instance or finds the running one, and
 * activates app.quick-reply there. The primary instance then runs for as long as the window is
 * open; a second instance exits at once.
 *
 * Returns: an exit status, or -1 when the option was not given
 */
int
sam_application_desktop_handle_local_options (GApplication *application, GVariantDict *options)
{
  g_autoptr (GError) error = NULL;

  if (!g_variant_dict_contains (options, "quick-reply"))
    return -1;

  if (!g_application_register (application, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  g_action_group_activate_action (G_ACTION_GROUP (application), "quick-reply", NULL);

  return EXIT_SUCCESS;
}
