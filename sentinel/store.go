// A small durable raft log and stable store. Sentinel's log is tiny (a few entries
// per failover, truncated by snapshots), so the whole store is kept in memory and
// rewritten atomically (temp file, fsync, rename) on every change. This avoids a
// BoltDB dependency for a few kilobytes of state.

package sentinel

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hashicorp/raft"
)

type fileStore struct {
	*raft.InmemStore
	path string
	mu   sync.Mutex // serializes persist
	kv   map[string][]byte
}

type fileStoreImage struct {
	KV   map[string][]byte `json:"kv"`
	Logs []*raft.Log       `json:"logs"`
}

func openFileStore(path string) (*fileStore, error) {
	s := &fileStore{InmemStore: raft.NewInmemStore(), path: path, kv: map[string][]byte{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	var img fileStoreImage
	if err := json.Unmarshal(b, &img); err != nil {
		return nil, err
	}
	for k, v := range img.KV {
		s.kv[k] = v
		if name, ok := strings.CutPrefix(k, "u64:"); ok {
			var n uint64
			if err := json.Unmarshal(v, &n); err != nil {
				return nil, err
			}
			if err := s.InmemStore.SetUint64([]byte(name), n); err != nil {
				return nil, err
			}
			continue
		}
		if err := s.InmemStore.Set([]byte(k), v); err != nil {
			return nil, err
		}
	}
	if len(img.Logs) > 0 {
		if err := s.InmemStore.StoreLogs(img.Logs); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *fileStore) persist() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	img := fileStoreImage{KV: s.kv}
	first, _ := s.InmemStore.FirstIndex()
	last, _ := s.InmemStore.LastIndex()
	for i := first; i <= last && i > 0; i++ {
		l := new(raft.Log)
		if err := s.InmemStore.GetLog(i, l); err == nil {
			img.Logs = append(img.Logs, l)
		}
	}
	b, err := json.Marshal(&img)
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(s.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func (s *fileStore) StoreLog(l *raft.Log) error { return s.StoreLogs([]*raft.Log{l}) }

func (s *fileStore) StoreLogs(logs []*raft.Log) error {
	if err := s.InmemStore.StoreLogs(logs); err != nil {
		return err
	}
	return s.persist()
}

func (s *fileStore) DeleteRange(min, max uint64) error {
	if err := s.InmemStore.DeleteRange(min, max); err != nil {
		return err
	}
	return s.persist()
}

func (s *fileStore) Set(k, v []byte) error {
	if err := s.InmemStore.Set(k, v); err != nil {
		return err
	}
	s.mu.Lock()
	s.kv[string(k)] = append([]byte(nil), v...)
	s.mu.Unlock()
	return s.persist()
}

func (s *fileStore) SetUint64(k []byte, v uint64) error {
	if err := s.InmemStore.SetUint64(k, v); err != nil {
		return err
	}
	b, _ := json.Marshal(v)
	s.mu.Lock()
	s.kv["u64:"+string(k)] = b
	s.mu.Unlock()
	return s.persist()
}
