package cluster

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/simlab-go/simlab/sim/node"
)

// The admin endpoint, on loopback only:
//
//	GET  /status                    the server's Status as JSON
//	POST /faults?cut=s1,s2          cut this server's links to s1 and s2
//	POST /faults?heal=s1            restore the link to s1
//	POST /faults?heal=              restore every link, and no loss
//	POST /faults?loss=0.1           drop a tenth of what it sends
//
// It answers a fault with the status after it.
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.Status())
	})
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) {
		if err := s.applyFaults(r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, s.Status())
	})
	return mux
}

func (s *Server) applyFaults(r *http.Request) error {
	q := r.URL.Query()
	if len(q) == 0 {
		return fmt.Errorf("say what to do: cut=NAMES, heal=NAMES (empty: all) or loss=P")
	}
	names := func(v string) ([]node.ID, error) {
		var ids []node.ID
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			id, err := s.cfg.ID(name)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	if v, ok := q["cut"]; ok {
		ids, err := names(strings.Join(v, ","))
		if err != nil {
			return err
		}
		s.Faults.Cut(ids...)
	}
	if v, ok := q["heal"]; ok {
		ids, err := names(strings.Join(v, ","))
		if err != nil {
			return err
		}
		s.Faults.Heal(ids...)
	}
	if v := q.Get("loss"); v != "" {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || p < 0 || p > 1 {
			return fmt.Errorf("loss=%s: want a probability between 0 and 1", v)
		}
		s.Faults.SetLoss(p)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
