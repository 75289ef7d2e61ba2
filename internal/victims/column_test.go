package victims

import (
	"strings"
	"testing"
)

func TestMarkdownTableColumns(t *testing.T) {
	md := MarkdownTable(Column{Header: "x|y", Cell: func(a Attack) string { return "<" + a.Name + ">" }})
	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")
	if lines[0] != `| attack | class | what it tries | Landlock backend | x\|y |` || lines[1] != "| --- | --- | --- | --- | --- |" {
		t.Fatalf("header:\n%s", md)
	}
	for i, a := range Attacks {
		if !strings.HasSuffix(lines[i+2], " | <"+a.Name+"> |") {
			t.Errorf("row %d = %q", i, lines[i+2])
		}
	}
}
