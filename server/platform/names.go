package platform

import (
	"crypto/rand"
	"fmt"
	"math/big"
)

var (
	adjectives = []string{"ancient", "autumn", "billowing", "bold", "brisk", "calm", "cool", "crimson", "damp", "dawn", "desert", "frosty", "gentle", "glacial", "golden", "hidden", "misty", "morning", "nameless", "polished", "proud", "quiet", "rapid", "shy", "silent", "sparkling", "still", "sunny", "twilight", "wandering"}
	nouns      = []string{"anchor", "bay", "beacon", "breeze", "brook", "cliff", "cove", "current", "dock", "dune", "ferry", "fjord", "harbor", "inlet", "island", "jetty", "lagoon", "lighthouse", "marsh", "mooring", "pier", "reef", "river", "sail", "shore", "tide", "wave", "wharf"}
)

func pick(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return int(v.Int64())
}

// GenerateAppName makes a Heroku-style name such as "misty-harbor-04213".
func GenerateAppName() string {
	return fmt.Sprintf("%s-%s-%05d", adjectives[pick(len(adjectives))], nouns[pick(len(nouns))], pick(100000))
}
