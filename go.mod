module github.com/simlab-go/simlab

go 1.26.8
