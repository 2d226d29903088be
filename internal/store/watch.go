package store

import (
	"context"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Event is one change under a watched prefix. Value is nil for a delete.
type Event struct {
	Key      string
	Value    []byte
	Revision int64
	Deleted  bool
	// More tells that further events of the same revision (one
	// transaction) follow.
	More bool
}

// Watch streams changes under prefix after revision fromRev (0: from now)
// until ctx ends. The channel closes when the watch ends.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) <-chan Event {
	opts := []clientv3.OpOption{clientv3.WithPrefix()}
	if fromRev > 0 {
		opts = append(opts, clientv3.WithRev(fromRev+1))
	}
	out := make(chan Event, 64)
	wc := s.client.Watch(ctx, prefix, opts...)
	go func() {
		defer close(out)
		for resp := range wc {
			for i, ev := range resp.Events {
				e := Event{Key: string(ev.Kv.Key), Revision: ev.Kv.ModRevision, Deleted: ev.Type == clientv3.EventTypeDelete,
					More: i+1 < len(resp.Events) && resp.Events[i+1].Kv.ModRevision == ev.Kv.ModRevision}
				if !e.Deleted {
					e.Value = ev.Kv.Value
				}
				select {
				case out <- e:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}
