/* sam-replay-server.h — a SoupServer on 127.0.0.1 that replays recorded responses, split
 * into reads as a test asks, and records what the client sent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum
{
  SAM_REPLAY_WHOLE,    /* one write */
  SAM_REPLAY_BYTEWISE, /* one byte per write */
  SAM_REPLAY_RANDOM,   /* cut at offsets from a seeded generator */
} SamReplaySplit;

typedef struct
{
  char               *method;
  char               *path;
  SoupMessageHeaders *headers;
  GBytes             *body;
  gint64              time_us; /* monotonic, when the request arrived */
} SamReplayRequest;

typedef struct _SamReplayServer SamReplayServer;

SamReplayServer *sam_replay_server_new (GTlsCertificate *certificate);
void             sam_replay_server_free (SamReplayServer *self);
const char      *sam_replay_server_get_url (SamReplayServer *self);

void sam_replay_server_queue_stream (SamReplayServer *self,
                                     const char      *content_type,
                                     GBytes          *body,
                                     SamReplaySplit   split,
                                     guint32          seed);
void sam_replay_server_queue_pieces (SamReplayServer *self,
                                     const char      *content_type,
                                     GPtrArray       *pieces,
                                     guint            delay_ms,
                                     gboolean         hang_after);
void sam_replay_server_queue_response (SamReplayServer *self,
                                       guint            status,
                                       const char      *headers,
                                       const char      *content_type,
                                       GBytes          *body);
void sam_replay_server_queue_recorded (SamReplayServer *self,
                                       const char      *recorded_headers,
                                       GBytes          *body);
void sam_replay_server_queue_hang (SamReplayServer *self);
void sam_replay_server_queue_endless (SamReplayServer *self,
                                      const char      *content_type,
                                      const char      *piece,
                                      guint            interval_ms);

guint                   sam_replay_server_get_n_requests (SamReplayServer *self);
const SamReplayRequest *sam_replay_server_get_request (SamReplayServer *self, guint index);
guint                   sam_replay_server_get_n_aborted (SamReplayServer *self);
gboolean sam_replay_server_wait_aborted (SamReplayServer *self, guint count, guint timeout_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamReplayServer, sam_replay_server_free)

G_END_DECLS
