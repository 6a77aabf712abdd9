module github.com/simlab-go/simlab

go 1.26.8

require pgregory.net/rapid v1.3.0

require github.com/anishathalye/porcupine v1.3.1
