/* sam-application-desktop.h — the application's life on the desktop: tray, quick reply,
 * notification actions, running in the background.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "companion/sam-chat.h"
#include "desktop/sam-tray.h"
#include "sam-application.h"
#include "ui/sam-quick-reply-window.h"

G_BEGIN_DECLS

#define SAM_TYPE_APPLICATION_DESKTOP (sam_application_desktop_get_type ())

G_DECLARE_FINAL_TYPE (
    SamApplicationDesktop, sam_application_desktop, SAM, APPLICATION_DESKTOP, GObject)

SamApplicationDesktop *sam_application_get_desktop (SamApplication *application);
SamApplicationDesktop *sam_application_desktop_new (SamApplication *application);
SamTray               *sam_application_desktop_get_tray (SamApplicationDesktop *self);
SamQuickReplyWindow   *sam_application_desktop_get_quick_reply_window (SamApplicationDesktop *self);
gboolean               sam_application_desktop_get_held (SamApplicationDesktop *self);
SamChat               *sam_application_desktop_get_chat (SamApplicationDesktop *self,
                                                         SamConversation       *conversation,
                                                         GError               **error);
void                   sam_application_desktop_add_options (GApplication *application);
int sam_application_desktop_handle_local_options (GApplication *application, GVariantDict *options);

G_END_DECLS
