package engine

import (
	"strings"
	"testing"
)

// ACLUsers over a reduced table (keygrid sentinel's): rules name only the
// commands kept, and the default user is Redis's.
func TestACLUsersReducedTable(t *testing.T) {
	a := NewACLUsers(map[string][]string{"ping": nil, "acl": {"whoami", "setuser"}},
		[]*Command{{Name: "sentinel", Arity: -2, Flags: FlagAdmin, Subs: []*Command{{Name: "masters", Arity: 2, Flags: FlagAdmin}}}})
	if got := strings.Join(a.List(), "|"); got != "user default on nopass ~* &* +@all" {
		t.Fatalf("List = %q", got)
	}
	if err := a.SetUser("u", []string{"on", ">pw", "+get"}); err == nil ||
		err.Error() != "Error in ACL SETUSER modifier '+get': Unknown command or category name in ACL" {
		t.Fatalf("+get: %v", err)
	}
	if a.Exists("u") {
		t.Fatal("a refused SETUSER created the user")
	}
	if err := a.SetUser("u", []string{"on", ">pw", "+ping", "+sentinel|masters"}); err != nil {
		t.Fatal(err)
	}
	if !a.Authenticate("u", "pw") || a.Authenticate("u", "bad") {
		t.Fatal("Authenticate")
	}
	for _, tc := range []struct {
		argv []string
		ok   bool
	}{{[]string{"ping"}, true}, {[]string{"sentinel", "masters"}, true}, {[]string{"acl", "whoami"}, false}} {
		argv := make([][]byte, len(tc.argv))
		for i, s := range tc.argv {
			argv[i] = []byte(s)
		}
		if got := a.Allowed("u", argv); got != tc.ok {
			t.Errorf("Allowed(%v) = %v", tc.argv, got)
		}
	}
	names, ok := a.Cat("admin")
	if l := " " + strings.Join(names, " ") + " "; !ok || !strings.Contains(l, " sentinel|masters ") || strings.Contains(l, " config ") {
		t.Errorf("Cat(admin) = %v %v", names, ok)
	}
	if n, err := a.DelUser([]string{"u", "nobody"}); n != 1 || err != nil {
		t.Errorf("DelUser = %d, %v", n, err)
	}
	if _, err := a.DelUser([]string{"default"}); err == nil {
		t.Error("the default user was deleted")
	}
	if err := a.LoadUsers([][]string{{"x", "on", "nopass", "+@all"}}); err != nil || !a.Exists("x") || !a.Exists("default") {
		t.Errorf("LoadUsers: %v %v", err, a.Users())
	}
}
