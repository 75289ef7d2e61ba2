package child

// SetReg gives register r the value v before the child starts: a value
// that differs from run to run for operations shared by many runs (Shared),
// which read it with Op.Use.
func (p *Plan) SetReg(r uint8, v uintptr) { p.s.regs[r&(NumRegs-1)] = v }
