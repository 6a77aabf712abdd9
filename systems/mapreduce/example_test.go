package mapreduce_test

import (
	"fmt"

	"github.com/simlab-go/simlab/systems/mapreduce"
)

// ExampleSequential runs word count, one of the two shipped jobs, in one
// process.
func ExampleSequential() {
	wc, _ := mapreduce.Lookup("wc")
	out := mapreduce.Sequential(wc, []mapreduce.File{
		{Name: "1.txt", Data: []byte("the quick fox")},
		{Name: "2.txt", Data: []byte("the lazy dog, the end")},
	})
	for _, kv := range out {
		fmt.Println(kv.Key, kv.Value)
	}
	fmt.Println("reducer of \"the\" when R=4:", mapreduce.Partition("the", 4))
	// Output:
	// dog 1
	// end 1
	// fox 1
	// lazy 1
	// quick 1
	// the 3
	// reducer of "the" when R=4: 0
}
