/* sam-quick-reply-window.c — the small window that asks Samantha without opening the app.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Quick reply is keyboard-first: it opens with the message entry focused, Enter sends and
 * Escape closes. It shows one conversation, by default the "Quick replies" one (an empty
 * conversation ID), in the chat area that the shared conversation widget fills. The window
 * itself does not talk to models: its own composer emits ::send, and a conversation widget
 * set with sam_quick_reply_window_set_conversation_widget() brings its own. */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-quick-reply-window.h"

struct _SamQuickReplyWindow
{
  AdwWindow parent_instance;

  char      *conversation_id;
  GtkWidget *conversation_widget;

  /* Template widgets */
  AdwWindowTitle *window_title;
  GtkLabel       *ai_label;
  GtkBox         *chat_area;
  GtkWidget      *placeholder;
  GtkWidget      *composer;
  GtkEntry       *message_entry;
  GtkWidget      *send_button;
  GtkWidget      *open_button;
};

G_DEFINE_FINAL_TYPE (SamQuickReplyWindow, sam_quick_reply_window, ADW_TYPE_WINDOW)

enum
{
  PROP_0,
  PROP_CONVERSATION_ID,
  PROP_SUBTITLE,
  N_PROPS
};

enum
{
  SEND,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

static void
sam_quick_reply_window_update_send (SamQuickReplyWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->message_entry));
  gboolean    has_text = FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (!g_unichar_isspace (g_utf8_get_char (p)))
        {
          has_text = TRUE;
          break;
        }
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "quick-reply.send", has_text);
}

static void
sam_quick_reply_window_send_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamQuickReplyWindow *self = SAM_QUICK_REPLY_WINDOW (widget);
  g_autofree char     *text = NULL;

  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->message_entry))));
  if (*text == '\0')
    return;

  gtk_editable_set_text (GTK_EDITABLE (self->message_entry), "");
  g_signal_emit (self, signals[SEND], 0, text);
}

static void
sam_quick_reply_window_open_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamQuickReplyWindow *self = SAM_QUICK_REPLY_WINDOW (widget);

  /* The main window takes over the conversation, so this one is done. */
  gtk_widget_activate_action (widget, "app.open-conversation", "s",
                              self->conversation_id ? self->conversation_id : "");
  gtk_window_close (GTK_WINDOW (self));
}

static void
message_entry_activate_cb (SamQuickReplyWindow *self, GtkEntry *entry)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "quick-reply.send", NULL);
}

static void
message_entry_changed_cb (SamQuickReplyWindow *self, GtkEditable *editable)
{
  sam_quick_reply_window_update_send (self);
}

static void
sam_quick_reply_window_dispose (GObject *object)
{
  SamQuickReplyWindow *self = SAM_QUICK_REPLY_WINDOW (object);

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
    case PROP_CONVERSATION_ID:
      g_value_set_string (value, sam_quick_reply_window_get_conversation_id (self));
      break;

    case PROP_SUBTITLE:
      g_value_set_string (value, adw_window_title_get_subtitle (self->window_title));
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
    case PROP_CONVERSATION_ID:
      sam_quick_reply_window_set_conversation_id (self, g_value_get_string (value));
      break;

    case PROP_SUBTITLE:
      sam_quick_reply_window_set_subtitle (self, g_value_get_string (value));
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
   * SamQuickReplyWindow:conversation-id:
   *
   * The conversation shown; empty for the "Quick replies" conversation.
   */
  properties[PROP_CONVERSATION_ID] =
      g_param_spec_string ("conversation-id", NULL, NULL, "",
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SamQuickReplyWindow:subtitle:
   *
   * The line under the title, such as the conversation's title.
   */
  properties[PROP_SUBTITLE] =
      g_param_spec_string ("subtitle", NULL, NULL, "",
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SamQuickReplyWindow::send:
   * @self: the window
   * @text: the message, without surrounding white space, never empty
   *
   * The user sent a message to the conversation; the entry has been cleared.
   */
  signals[SEND] = g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/sam-quick-reply-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, ai_label);
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, chat_area);
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, placeholder);
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, composer);
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, message_entry);
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, send_button);
  gtk_widget_class_bind_template_child (widget_class, SamQuickReplyWindow, open_button);
  gtk_widget_class_bind_template_callback (widget_class, message_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, message_entry_changed_cb);

  gtk_widget_class_install_action (widget_class, "quick-reply.send", NULL,
                                   sam_quick_reply_window_send_action);
  gtk_widget_class_install_action (widget_class, "quick-reply.open-in-samantha", NULL,
                                   sam_quick_reply_window_open_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sam_quick_reply_window_init (SamQuickReplyWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->conversation_id = g_strdup ("");
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->message_entry));
  sam_quick_reply_window_update_send (self);
}

SamQuickReplyWindow *
sam_quick_reply_window_new (SamApplication *application)
{
  g_return_val_if_fail (SAM_IS_APPLICATION (application), NULL);

  return g_object_new (SAM_TYPE_QUICK_REPLY_WINDOW, "application", application, NULL);
}

const char *
sam_quick_reply_window_get_conversation_id (SamQuickReplyWindow *self)
{
  g_return_val_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self), NULL);

  return self->conversation_id;
}

/* Shows @conversation_id; %NULL or empty means the "Quick replies" conversation. */
void
sam_quick_reply_window_set_conversation_id (SamQuickReplyWindow *self, const char *conversation_id)
{
  g_return_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self));

  if (conversation_id == NULL)
    conversation_id = "";

  if (g_strcmp0 (self->conversation_id, conversation_id) == 0)
    return;

  g_free (self->conversation_id);
  self->conversation_id = g_strdup (conversation_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION_ID]);
}

void
sam_quick_reply_window_set_subtitle (SamQuickReplyWindow *self, const char *subtitle)
{
  g_return_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self));

  if (g_strcmp0 (adw_window_title_get_subtitle (self->window_title), subtitle) == 0)
    return;

  adw_window_title_set_subtitle (self->window_title, subtitle ? subtitle : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBTITLE]);
}

/**
 * sam_quick_reply_window_get_chat_area:
 *
 * The vertical box that shows the conversation. It holds a placeholder status page until the
 * conversation widget replaces it.
 *
 * Returns: (transfer none): the box
 */
GtkBox *
sam_quick_reply_window_get_chat_area (SamQuickReplyWindow *self)
{
  g_return_val_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self), NULL);

  return self->chat_area;
}

GtkEntry *
sam_quick_reply_window_get_entry (SamQuickReplyWindow *self)
{
  g_return_val_if_fail (SAM_IS_QUICK_REPLY_WINDOW (self), NULL);

  return self->message_entry;
}

/**
 * sam_quick_reply_window_set_conversation_widget:
 * @widget: (nullable) (transfer none): a conversation view with its own composer and "AI, not a
 *   person" label, such as SamChatView
 *
 * Shows @widget in the chat area instead of the placeholder, and hides the window's own
 * composer and label while it is there. %NULL brings them back.
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

  gtk_widget_set_visible (self->placeholder, widget == NULL);
  gtk_widget_set_visible (self->composer, widget == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->ai_label), widget == NULL);
}
