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
	for _, k := range node.SortedKeys(q) {
		if k != "cut" && k != "heal" && k != "loss" {
			return fmt.Errorf("unknown parameter %q: want cut=NAMES, heal=NAMES (empty: all) or loss=P", k)
		}
	}
	names := func(param string, v string) ([]node.ID, error) {
		var ids []node.ID
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			id, err := s.cfg.ID(name)
			if err != nil {
				return nil, fmt.Errorf("%s=%s: %w", param, v, err)
			}
			if id == s.ID && param == "cut" {
				return nil, fmt.Errorf("cut=%s: %s is this node, which cannot be cut off from itself; name its peers", v, name)
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	// Everything is checked before anything is applied.
	var cut, heal []node.ID
	var err error
	if v, ok := q["cut"]; ok {
		if cut, err = names("cut", strings.Join(v, ",")); err != nil {
			return err
		}
		if len(cut) == 0 {
			return fmt.Errorf("cut= names no node: give the peers to cut off, e.g. cut=s1,s2")
		}
	}
	_, healing := q["heal"]
	if healing {
		if heal, err = names("heal", strings.Join(q["heal"], ",")); err != nil {
			return err
		}
	}
	loss := -1.0
	if v, ok := q["loss"]; ok {
		p, err := strconv.ParseFloat(strings.Join(v, ""), 64)
		if err != nil || len(v) != 1 || !(p >= 0 && p <= 1) {
			return fmt.Errorf("loss=%s: want one probability from 0 to 1", strings.Join(v, ","))
		}
		loss = p
	}
	if cut != nil {
		s.Faults.Cut(cut...)
	}
	if healing {
		s.Faults.Heal(heal...)
	}
	if loss >= 0 {
		s.Faults.SetLoss(loss)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "status does not encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}
