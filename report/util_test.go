package report

import (
	"encoding/json"
	"strconv"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
