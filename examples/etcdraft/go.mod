module github.com/simlab-go/simlab/examples/etcdraft

go 1.26.8

require (
	github.com/simlab-go/simlab v0.0.0
	go.etcd.io/raft/v3 v3.7.0
	google.golang.org/protobuf v1.36.11
)

require (
	github.com/anishathalye/porcupine v1.3.1 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	golang.org/x/sys v0.44.0 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)

replace github.com/simlab-go/simlab => ../..
