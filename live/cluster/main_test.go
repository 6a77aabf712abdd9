package cluster

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadUsage: bad input exits 2 with a message naming the problem, and
// runs nothing.
func TestBadUsage(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	good := write("good.json", string(Example("kv", 3, 17100)))
	public := write("public.json", `{"system": "kv", "nodes": [{"name": "s0", "addr": "0.0.0.0:7100"}]}`)
	unknown := write("unknown.json", `{"system": "zookeeper", "nodes": [{"name": "s0", "addr": "127.0.0.1:7100"}]}`)
	misspelled := write("misspelled.json", `{"system": "kv", "nodes": [{"name": "s0", "addr": "127.0.0.1:7100"}], "maxRaftStat": 100}`)
	badPort := write("port.json", `{"system": "kv", "nodes": [{"name": "s0", "addr": "127.0.0.1:99999"}]}`)
	escape := write("escape.json", `{"system": "kv", "nodes": [{"name": "../../etc", "addr": "127.0.0.1:7100"}]}`)
	stray := write("stray.json", `{"system": "shardkv", "controllers": ["c0"], "groups": [{"gid": 1, "servers": ["a0"]}],
		"nodes": [{"name": "c0", "addr": "127.0.0.1:7100"}, {"name": "a0", "addr": "127.0.0.1:7101"}, {"name": "x", "addr": "127.0.0.1:7102"}]}`)
	for _, tt := range []struct {
		main func([]string, *bytes.Buffer, *bytes.Buffer) int
		args []string
		want string
	}{
		{nodeMainBuf, nil, "needs -cluster FILE and -node NAME"},
		{nodeMainBuf, []string{"-cluster", filepath.Join(dir, "missing.json"), "-node", "s0"}, "no such file"},
		{nodeMainBuf, []string{"-cluster", public, "-node", "s0"}, "off loopback, and the cluster has no key"},
		{nodeMainBuf, []string{"-cluster", unknown, "-node", "s0"}, `system "zookeeper" is not one of`},
		{nodeMainBuf, []string{"-cluster", stray, "-node", "x"}, "node x is in no group"},
		{nodeMainBuf, []string{"-cluster", misspelled, "-node", "s0"}, `unknown field "maxRaftStat"`},
		{nodeMainBuf, []string{"-cluster", badPort, "-node", "s0"}, `port "99999" is not a number from 1 to 65535`},
		{nodeMainBuf, []string{"-cluster", escape, "-node", "../../etc"}, `node name "../../etc": use letters, digits`},
		{nodeMainBuf, []string{"-cluster", good, "-node", "s9"}, `no node "s9"`},
		{nodeMainBuf, []string{"-cluster", good, "-node", "s0", "-admin", "0.0.0.0:0", "-data", filepath.Join(dir, "d")}, "must be on loopback"},
		{nodeMainBuf, []string{"example", "-system", "etcd"}, `-system "etcd" is not one of`},
		{nodeMainBuf, []string{"state", "-cluster", good}, "state needs -cluster FILE and -data DIR"},
		{kvMainBuf, []string{"get", "k"}, "-cluster FILE is required"},
		{kvMainBuf, []string{"-cluster", good}, "say what to do"},
		{kvMainBuf, []string{"-cluster", good, "get"}, "get takes 1 arguments, got 0"},
		{kvMainBuf, []string{"-cluster", good, "cas", "k", "v"}, `"cas" is not get, put, append, bench or join`},
		{kvMainBuf, []string{"-cluster", good, "join"}, "join is for a shardkv cluster"},
		{kvMainBuf, []string{"-cluster", good, "bench", "-clients", "0"}, "-clients and -keys at least 1"},
		{kvMainBuf, []string{"-cluster", good, "bench", "-clients", "100000"}, "at most 1000 clients"},
		{kvMainBuf, []string{"-cluster", good, "bench", "-gets", "NaN"}, "-gets between 0 and 1"},
		{kvMainBuf, []string{"-cluster", good, "-timeout", "0", "get", "k"}, "-timeout 0s: want a positive duration"},
		{kvMainBuf, []string{"-cluster", good, "-timeout", "-1s", "get", "k"}, "-timeout -1s: want a positive duration"},
	} {
		var stdout, stderr bytes.Buffer
		code := tt.main(tt.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr.String(), tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "d")); err == nil {
		t.Error("a refused server created its data directory")
	}
}

func nodeMainBuf(args []string, stdout, stderr *bytes.Buffer) int {
	return NodeMain(args, stdout, stderr)
}
func kvMainBuf(args []string, stdout, stderr *bytes.Buffer) int { return KVMain(args, stdout, stderr) }
