/* sam-quick-reply-window.c — the small window that asks Samantha without opening the app.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Quick reply is keyboard-first: Escape closes it, and the conversation view it shows brings
 * the composer (Enter sends), the streaming reply, Stop and the "AI, not a person" label. The
 * window shows one conversation, by default the "Quick replies" one; which conversation, and
 * the view on it, are chosen by the application (sam-application-desktop.c), so the window
 * itself never talks to the store or to models. */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-quick-reply-window.h"

struct _SamQuickReplyWindow
{
  AdwWindow parent_instance;

  SamConversation *conversation;
  char            *conversation_id;
  GtkWidget       *conversation_widget;

  /* Template widgets */
  AdwWindowTitle *window_title;
  GtkBox         *chat_area;
  AdwStatusPage  *placeholder;
  GtkWidget      *open_button;
};

G_DEFINE_FINAL_TYPE (SamQuickReplyWindow, sam_quick_reply_window, ADW_TYPE_WINDOW)

enum
{
  PROP_0,
  PROP_CONVERSATION,
  PROP_CONVERSATION_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sam_quick_reply_window_update_subtitle (SamQuickReplyWindow *self)
{
  const char *subtitle = "";

  /* The title is enough for the "Quick replies" conversation; any other one is named. */
  if (self->conversation != NULL &&
      sam_conversation_get_kind (self->conversation) != SAM_CONVERSATION_KIND_QUICK_REPLY)
    subtitle = sam_conversation_get_title (self->conversation);

  adw_window_title_set_subtitle (self->window_title, subtitle ? subtitle : "");
}

static void
conversation_title_changed_cb (SamQuickReplyWindow *self,
                               GParamSpec          *pspec,
                               SamConversation     *conversation)
{
  sam_quick_reply_window_update_subtitle (self);
}

static void
sam_quick_reply_window_open_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamQuickReplyWindow *self = SAM_QUICK_REPLY_WINDOW (widget);

  /* The main window takes over the conversation, so this one is done. */
  gtk_widget_activate_action (widget, "app.open-conversation", "s", self->conversation_id);
  gtk_window_close (GTK_WINDOW (self));
}

static void
sam_quick_reply_window_dispose (GObject *object)
{
  SamQuickReplyWindow *self = SAM_QUICK_REPLY_WINDOW (object);

  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);
  g_clear_object (&self->conversation);
  self->conversation_widget = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_QUICK_REPLY_WINDOW);

  G_OBJECT_CLASS (sam_quick_reply_window_parent_class)->dispose (object);
}

static void
sam_quick_reply_window_finalize (GObject *object)
{
  SamQuickReplyWindow *self = SAM_QUICK_REPLY_WINDOW (object);

  g_clear_pointer (&self->conversation_id, g_free);

  G_OBJECT_CLASS (sam_quick_reply_window_parent_class)->finalize (object);
}

static void
sam_quick_reply_window_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  SamQuickReplyWindow *self = SAM_QUICK_REPLY_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION:
      g_value_set_object (value, self->conversation);
      break;

    case PROP_CONVERSATION_ID:
      g_value_set_string (value, self->conversation_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_quick_reply_window_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  SamQuickReplyWindow *self = SAM_QUICK_REPLY_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION:
      sam_quick_reply_window_set_conversation (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_quick_reply_window_class_init (SamQuickReplyWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_quick_reply_window_dispose;
  object_class->finalize = sam_quick_reply_window_finalize;
  object_class->get_property = sam_quick_reply_window_get_property;
  object_class->set_property = sam_quick_reply_window_set_property;

  /**
   * SamQuickReplyWindow:conversation:
   *
   * The conversation shown, or %NULL when none could be opened.
   */
  properties[PROP_CONVERSATION] =
      g_param_spec_object ("conversation", NULL, NULL, SAM_TYPE_CONVERSATION,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SamQuickReplyWindow:conversation-id:
   *
   * The store's ID of the conversation shown, in decimal, as the app.* actions take it; empty
   * when there is none.
   */
  properties[PROP_CONVERSATION_ID] = g_param_spec_string (
      "conversation-id", NULL, NULL, "", G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/sam-quick-reply-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, chat_area);
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, placeholder);
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, open_button);

  gtk_widget_class_install_action (widget_class, "quick-reply.open-in-samantha", NULL,
                                   sam_quick_reply_window_open_action);

  /* The conversation view binds Escape to Stop; that action is disabled unless a reply
   * streams, so Escape falls through to here and closes the window. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sam_quick_reply_window_init (SamQuickReplyWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->conversation_id = g_strdup ("");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "quick-reply.open-in-samantha", FALSE);
}

SamQuickReplyWindow *
sam_quick_reply_window_new (SamApplication *application)
{
  g_return_val_if_fail (SAM_IS_APPLICATION (application), NULL);

  return g_object_new (SAM_TYPE_QUICK_REPLY_WINDOW, "application", application, NULL);
}

SamConversation *
sam_quick_reply_window_get_conversation (SamQuickReplyWindow *self)
{
  g_return_val_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self), NULL);

  return self->conversation;
}

/* Shows @conversation's ID and, unless it is the "Quick replies" one, its title. */
void
sam_quick_reply_window_set_conversation (SamQuickReplyWindow *self, SamConversation *conversation)
{
  g_return_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self));
  g_return_if_fail (conversation == NULL || SAM_IS_CONVERSATION (conversation));

  if (self->conversation == conversation)
    return;

  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);

  g_set_object (&self->conversation, conversation);

  g_free (self->conversation_id);
  self->conversation_id =
      conversation ? g_strdup_printf ("%" G_GINT64_FORMAT, sam_conversation_get_id (conversation))
                   : g_strdup ("");

  if (conversation != NULL)
    g_signal_connect_object (conversation, "notify::title",
                             G_CALLBACK (conversation_title_changed_cb), self, G_CONNECT_SWAPPED);

  sam_quick_reply_window_update_subtitle (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "quick-reply.open-in-samantha",
                                 conversation != NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION_ID]);
}

const char *
sam_quick_reply_window_get_conversation_id (SamQuickReplyWindow *self)
{
  g_return_val_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self), NULL);

  return self->conversation_id;
}

/* The conversation view set with sam_quick_reply_window_set_conversation_widget(), if any. */
GtkWidget *
sam_quick_reply_window_get_conversation_widget (SamQuickReplyWindow *self)
{
  g_return_val_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self), NULL);

  return self->conversation_widget;
}

/**
 * sam_quick_reply_window_set_conversation_widget:
 * @widget: (nullable) (transfer none): a conversation view with its own composer and "AI, not a
 *   person" label, such as SamChatView
 *
 * Shows @widget in the window instead of the placeholder; %NULL takes it away again.
 */
void
sam_quick_reply_window_set_conversation_widget (SamQuickReplyWindow *self, GtkWidget *widget)
{
  g_return_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self));
  g_return_if_fail (widget == NULL || GTK_IS_WIDGET (widget));

  if (self->conversation_widget == widget)
    return;

  if (self->conversation_widget != NULL)
    gtk_box_remove (self->chat_area, self->conversation_widget);

  self->conversation_widget = widget;

  if (widget != NULL)
    {
      gtk_widget_set_vexpand (widget, TRUE);
      gtk_box_append (self->chat_area, widget);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->placeholder), widget == NULL);
}

/* Says why there is no conversation to show, in place of the conversation view. */
void
sam_quick_reply_window_show_error (SamQuickReplyWindow *self, const char *message)
{
  g_return_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self));

  sam_quick_reply_window_set_conversation_widget (self, NULL);
  sam_quick_reply_window_set_conversation (self, NULL);
  adw_status_page_set_description (self->placeholder, message);
}
