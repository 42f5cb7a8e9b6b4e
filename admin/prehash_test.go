package admin

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestPrehash: HashPassword takes a hash begun in advance once, for its
// password and cost only, and hashes anew otherwise.
func TestPrehash(t *testing.T) {
	const cost = bcrypt.MinCost
	id := &Identity{HashCost: cost, Prehashed: StartHash("first-pw", cost)}

	other, err := id.HashPassword("second-pw")
	if err != nil || bcrypt.CompareHashAndPassword([]byte(other), []byte("second-pw")) != nil {
		t.Fatalf("another password: %q, %v: want its own hash", other, err)
	}
	first, err := id.HashPassword("first-pw")
	if err != nil || first != id.Prehashed.hash {
		t.Fatalf("the prehashed password: %q, %v: want the hash begun in advance %q", first, err, id.Prehashed.hash)
	}
	if bcrypt.CompareHashAndPassword([]byte(first), []byte("first-pw")) != nil {
		t.Fatal("the hash begun in advance does not match its password")
	}
	again, err := id.HashPassword("first-pw")
	if err != nil || again == first || bcrypt.CompareHashAndPassword([]byte(again), []byte("first-pw")) != nil {
		t.Fatalf("the same password again: %q, %v: want a new hash (a salt is one user's)", again, err)
	}

	otherCost := &Identity{HashCost: cost + 1, Prehashed: StartHash("first-pw", cost)}
	h, err := otherCost.HashPassword("first-pw")
	<-otherCost.Prehashed.done
	if err != nil || h == otherCost.Prehashed.hash {
		t.Fatalf("another cost: %q, %v: want a hash of the Identity's cost", h, err)
	}
	if c, _ := bcrypt.Cost([]byte(h)); c != cost+1 {
		t.Errorf("cost %d, want %d", c, cost+1)
	}

	long := strings.Repeat("x", 73)
	tooLong := &Identity{HashCost: cost, Prehashed: StartHash(long, cost)}
	if _, err := tooLong.HashPassword(long); err == nil || !strings.Contains(err.Error(), "at most 72 bytes") {
		t.Errorf("a password of 73 bytes, prehashed: %v, want the length error", err)
	}
}
