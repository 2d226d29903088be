package store

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Get reads one key. ErrNotFound when it is absent. Reads are serializable:
// with a single member they see every committed write, without a raft round.
func (s *Store) Get(ctx context.Context, key string) (*Object, error) {
	resp, err := s.client.Get(ctx, key, clientv3.WithSerializable())
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, ErrNotFound
	}
	kv := resp.Kvs[0]
	return &Object{Key: string(kv.Key), Value: kv.Value, Revision: kv.ModRevision, CreateRevision: kv.CreateRevision}, nil
}

// List reads every key under prefix, in key order.
func (s *Store) List(ctx context.Context, prefix string) ([]Object, error) {
	out, _, err := s.Snapshot(ctx, prefix)
	return out, err
}

// Snapshot is List with the store revision it saw, from which a Watch
// continues without a gap.
func (s *Store) Snapshot(ctx context.Context, prefix string) ([]Object, int64, error) {
	resp, err := s.client.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithSerializable())
	if err != nil {
		return nil, 0, fmt.Errorf("listing %s: %w", prefix, err)
	}
	out := make([]Object, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out = append(out, Object{Key: string(kv.Key), Value: kv.Value, Revision: kv.ModRevision, CreateRevision: kv.CreateRevision})
	}
	return out, resp.Header.Revision, nil
}

// Put writes key if its current revision is expect: 0 means "must not
// exist" (ErrExists otherwise), a positive revision means "must still be at
// that revision" (ErrConflict otherwise, ErrNotFound if it is gone), and -1
// means unconditionally. It returns the new revision.
func (s *Store) Put(ctx context.Context, key string, value []byte, expect int64) (int64, error) {
	var cmp []clientv3.Cmp
	switch {
	case expect == 0:
		cmp = append(cmp, clientv3.Compare(clientv3.CreateRevision(key), "=", 0))
	case expect > 0:
		cmp = append(cmp, clientv3.Compare(clientv3.ModRevision(key), "=", expect))
	}
	resp, err := s.client.Txn(ctx).If(cmp...).Then(clientv3.OpPut(key, string(value))).
		Else(clientv3.OpGet(key)).Commit()
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w", key, s.noSpace(err))
	}
	if !resp.Succeeded {
		return 0, mismatch(resp, expect)
	}
	return resp.Header.Revision, nil
}

// Delete removes key if its revision is expect (-1: whatever it is).
// ErrNotFound when it is absent.
func (s *Store) Delete(ctx context.Context, key string, expect int64) error {
	_, err := s.DeleteAt(ctx, key, expect)
	return err
}

// DeleteAt is Delete returning the revision of the deletion.
func (s *Store) DeleteAt(ctx context.Context, key string, expect int64) (int64, error) {
	cmp := []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(key), ">", 0)}
	if expect > 0 {
		cmp = append(cmp, clientv3.Compare(clientv3.ModRevision(key), "=", expect))
	}
	resp, err := s.client.Txn(ctx).If(cmp...).Then(clientv3.OpDelete(key)).
		Else(clientv3.OpGet(key)).Commit()
	if err != nil {
		return 0, fmt.Errorf("deleting %s: %w", key, s.noSpace(err))
	}
	if !resp.Succeeded {
		return 0, mismatch(resp, expect)
	}
	return resp.Header.Revision, nil
}

// DeletePrefix removes every key under prefix and returns how many.
func (s *Store) DeletePrefix(ctx context.Context, prefix string) (int64, error) {
	n, _, err := s.DeletePrefixAt(ctx, prefix)
	return n, err
}

// DeletePrefixAt is DeletePrefix returning the revision of the deletion.
func (s *Store) DeletePrefixAt(ctx context.Context, prefix string) (int64, int64, error) {
	resp, err := s.client.Delete(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return 0, 0, fmt.Errorf("deleting %s*: %w", prefix, s.noSpace(err))
	}
	return resp.Deleted, resp.Header.Revision, nil
}

func mismatch(resp *clientv3.TxnResponse, expect int64) error {
	kvs := resp.Responses[0].GetResponseRange().Kvs
	switch {
	case len(kvs) == 0:
		return ErrNotFound
	case expect == 0:
		return ErrExists
	default:
		return ErrConflict
	}
}
