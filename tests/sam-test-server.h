/* sam-test-server.h — a real HTTP server on 127.0.0.1 that streams chat replies, for tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _SamTestServer SamTestServer;

SamTestServer *sam_test_server_new (void);
void           sam_test_server_free (SamTestServer *self);
const char    *sam_test_server_get_base_url (SamTestServer *self);
void  sam_test_server_set_reply (SamTestServer *self, const char *const *chunks, guint delay_ms);
void  sam_test_server_set_error (SamTestServer *self, guint status, const char *body);
guint sam_test_server_get_n_requests (SamTestServer *self);
const char *sam_test_server_get_last_request (SamTestServer *self);
guint       sam_test_server_get_n_disconnected (SamTestServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamTestServer, sam_test_server_free)

G_END_DECLS
