package report

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"

	"senderproof/assess"
)

// csvHeader is the stable header of findings.csv.
func csvHeader() []string {
	return []string{"asset", "check", "selector", "status", "severity", "message", "controls", "remediation",
		"catalog_controls", "hostname", "owner", "environment", "criticality"}
}

type csvWriter struct{}

// NewCSV returns the writer of findings.csv: one row per finding with the
// header asset,check,selector,status,severity,message,controls,remediation,
// catalog_controls,hostname,owner,environment,criticality, RFC 4180 quoting
// and CRLF line endings (no byte order mark), controls as "framework:id"
// joined by "; ", catalog_controls as the catalog identifiers they
// correspond to ("CSF 2.0 PR.DS-02; NHI1:2025"), and the last four from
// the sender's inventory row. Cells hold no control characters, and a
// cell that a spreadsheet would read as a formula (starting with = + - @,
// tab or CR) gets a leading single quote.
func NewCSV() Writer { return csvWriter{} }

// csvCell prepares untrusted text for findings.csv.
func csvCell(s string) string {
	return formulaSafe(clipUTF16(cleanLine(s), excelMaxChars, xlsxTruncated))
}

// Write renders p's findings as CSV.
func (csvWriter) Write(ctx context.Context, out io.Writer, p *Pack) error {
	bw := bufio.NewWriterSize(out, 64<<10)
	w := csv.NewWriter(bw)
	w.UseCRLF = true // RFC 4180 §2: each record ends with CRLF
	header := csvHeader()
	if err := w.Write(header); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	rec := make([]string, len(header))
	row := newFindingRow(p)
	n := 0
	err := p.eachFindingWithout(skipFields{observed: true, evidence: true}, func(f *assess.Finding) error {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec[0] = csvCell(f.Asset)
		rec[1] = csvCell(f.Check)
		rec[2] = csvCell(selectorOf(f.Selector))
		rec[3] = csvCell(string(f.Status))
		rec[4] = csvCell(string(f.Severity))
		rec[5] = csvCell(f.Message)
		rec[6] = csvCell(findingControls(f.Controls))
		rec[7] = csvCell(f.Remediation)
		rec[8] = csvCell(row.catalogControls(f.Controls))
		a := row.asset(f.Asset)
		rec[9] = csvCell(a.Hostname)
		rec[10] = csvCell(a.Owner)
		rec[11] = csvCell(a.Environment)
		rec[12] = csvCell(a.Criticality)
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
