// The LLVM backend: IR → LLVM IR → LLVM's optimisation pipeline (-O2/-O3, tuned for the host CPU) → machine code
// through ORC's LLJIT. Each Executable owns its JIT, so that its code lives exactly as long as it does.
//
// Generated code: an inner function whose array arguments are `noalias` (inputs, outputs and workspace never
// overlap), and the entry point of Executable::run, which reads the array pointers and calls it (the optimiser
// inlines it, keeping the no-alias facts). Loops are counted loops with one phi per carried value. Ops become LLVM
// instructions where LLVM has one with the same IEEE semantics (+ − × ÷, neg, sqrt, fabs, floor, ceil, trunc, round,
// fmin/fmax as minnum/maxnum, min/max as compare-and-select in std::min/std::max's order) and calls of the C math
// library otherwise; polygamma calls Kinase's own.
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kinase/core/error.hpp"
#include "kinase/ir/backend.hpp"
#include "kinase/ops/polygamma.hpp"

extern "C" double kinase_ir_polygamma(std::int64_t n, double x) { return kinase::polygamma(static_cast<int>(n), x); }

namespace kinase::ir {

namespace {

std::string to_string(llvm::Error e) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << e;
  return os.str();
}

template <class T>
T unwrap(llvm::Expected<T> e, const char* what) {
  if (!e) throw Error(std::string("kinase::ir::llvm_backend: ") + what + ": " + to_string(e.takeError()));
  return std::move(*e);
}

void init_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

class Codegen {
 public:
  Codegen(const Function& f, llvm::LLVMContext& ctx, llvm::Module& m)
      : f_(f), ctx_(ctx), m_(m), b_(ctx), values_(f.insts.size(), nullptr) {}

  void generate() {
    auto* dbl = b_.getDoubleTy();
    auto* ptr = b_.getPtrTy();
    auto* i32 = b_.getInt32Ty();
    // inner(ptr noalias in0, …, ptr noalias out0, …, ptr noalias ws)
    std::vector<llvm::Type*> params(f_.inputs.size() + f_.outputs.size() + 1, ptr);
    auto* inner_ty = llvm::FunctionType::get(i32, params, false);
    inner_ = llvm::Function::Create(inner_ty, llvm::Function::InternalLinkage, "kinase_body", m_);
    for (auto& a : inner_->args()) a.addAttr(llvm::Attribute::NoAlias);
    inner_->addFnAttr(llvm::Attribute::NoUnwind);
    (void)dbl;
    auto* entry = llvm::BasicBlock::Create(ctx_, "entry", inner_);
    b_.SetInsertPoint(entry);
    std::size_t k = 0;
    for (; k < f_.inputs.size(); ++k) inputs_.push_back(inner_->getArg(static_cast<unsigned>(k)));
    for (std::size_t o = 0; o < f_.outputs.size(); ++o, ++k)
      outputs_.push_back(inner_->getArg(static_cast<unsigned>(k)));
    workspace_ = inner_->getArg(static_cast<unsigned>(k));
    for (std::size_t o = 0; o < f_.outputs.size(); ++o)
      if (f_.outputs[o].size && output_needs_zeroing(f_, o))
        b_.CreateMemSet(outputs_[o], b_.getInt8(0), f_.outputs[o].size * sizeof(double), llvm::MaybeAlign(8));
    region(0);
    b_.CreateRet(b_.getInt32(0));

    // kinase_entry(ptr in, ptr out, ptr ws): reads the array pointers and calls the body.
    auto* entry_ty = llvm::FunctionType::get(i32, {ptr, ptr, ptr}, false);
    auto* fn = llvm::Function::Create(entry_ty, llvm::Function::ExternalLinkage, "kinase_entry", m_);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn));
    std::vector<llvm::Value*> args;
    for (std::size_t i = 0; i < f_.inputs.size(); ++i)
      args.push_back(b_.CreateLoad(ptr, b_.CreateConstGEP1_64(ptr, fn->getArg(0), i)));
    for (std::size_t o = 0; o < f_.outputs.size(); ++o)
      args.push_back(b_.CreateLoad(ptr, b_.CreateConstGEP1_64(ptr, fn->getArg(1), o)));
    args.push_back(fn->getArg(2));
    b_.CreateRet(b_.CreateCall(inner_, args));
  }

 private:
  llvm::Value* v(ValueId id) const { return values_[id]; }

  llvm::Value* element(llvm::Value* base, llvm::Value* index) {
    return b_.CreateInBoundsGEP(b_.getDoubleTy(), base, index);
  }

  llvm::Value* stash_address(const Inst& in) {
    const StashInfo& s = f_.stashes[in.array];
    llvm::Value* step = b_.CreateSub(v(in.operands[0]), b_.getInt64(static_cast<std::uint64_t>(s.lo)));
    llvm::Value* at = b_.CreateAdd(b_.CreateMul(step, b_.getInt64(s.width)),
                                   b_.getInt64(static_cast<std::uint64_t>(s.offset) + in.aux));
    return element(workspace_, at);
  }

  llvm::FunctionCallee libm(const char* name, unsigned arity) {
    auto* dbl = b_.getDoubleTy();
    std::vector<llvm::Type*> ps(arity, dbl);
    auto callee = m_.getOrInsertFunction(name, llvm::FunctionType::get(dbl, ps, false));
    if (auto* fn = llvm::dyn_cast<llvm::Function>(callee.getCallee())) fn->addFnAttr(llvm::Attribute::NoUnwind);
    return callee;
  }

  llvm::Value* unary_intrinsic(llvm::Intrinsic::ID id, llvm::Value* x) { return b_.CreateUnaryIntrinsic(id, x); }

  llvm::Value* math(const Inst& in) {
    const std::string_view name = ops_table()[in.op].name;
    llvm::Value* x = v(in.operands[0]);
    llvm::Value* y = in.operands.size() > 1 ? v(in.operands[1]) : nullptr;
    if (name == "add") return b_.CreateFAdd(x, y);
    if (name == "sub") return b_.CreateFSub(x, y);
    if (name == "mul") return b_.CreateFMul(x, y);
    if (name == "div") return b_.CreateFDiv(x, y);
    if (name == "neg") return b_.CreateFNeg(x);
    if (name == "sqrt") return unary_intrinsic(llvm::Intrinsic::sqrt, x);
    if (name == "abs") return unary_intrinsic(llvm::Intrinsic::fabs, x);
    if (name == "floor") return unary_intrinsic(llvm::Intrinsic::floor, x);
    if (name == "ceil") return unary_intrinsic(llvm::Intrinsic::ceil, x);
    if (name == "trunc") return unary_intrinsic(llvm::Intrinsic::trunc, x);
    if (name == "round") return unary_intrinsic(llvm::Intrinsic::round, x);
    if (name == "fmin") return b_.CreateBinaryIntrinsic(llvm::Intrinsic::minnum, x, y);
    if (name == "fmax") return b_.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, x, y);
    if (name == "min") return b_.CreateSelect(b_.CreateFCmpOLT(y, x), y, x);  // std::min: y < x ? y : x
    if (name == "max") return b_.CreateSelect(b_.CreateFCmpOLT(x, y), y, x);  // std::max: x < y ? y : x
    if (name == "pow_int")
      return b_.CreateCall(libm("pow", 2),
                           {x, llvm::ConstantFP::get(b_.getDoubleTy(), static_cast<double>(in.integer))});
    if (name == "polygamma") {
      auto callee = m_.getOrInsertFunction(
          "kinase_ir_polygamma", llvm::FunctionType::get(b_.getDoubleTy(), {b_.getInt64Ty(), b_.getDoubleTy()}, false));
      return b_.CreateCall(callee, {b_.getInt64(static_cast<std::uint64_t>(in.integer)), x});
    }
    const std::string fn(name);
    if (y) return b_.CreateCall(libm(fn.c_str(), 2), {x, y});
    return b_.CreateCall(libm(fn.c_str(), 1), {x});
  }

  llvm::Value* compare(Cmp c, llvm::Value* x, llvm::Value* y) {
    switch (c) {
      case Cmp::Lt:
        return b_.CreateFCmpOLT(x, y);
      case Cmp::Le:
        return b_.CreateFCmpOLE(x, y);
      case Cmp::Gt:
        return b_.CreateFCmpOGT(x, y);
      case Cmp::Ge:
        return b_.CreateFCmpOGE(x, y);
      case Cmp::Eq:
        return b_.CreateFCmpOEQ(x, y);
      case Cmp::Ne:
        return b_.CreateFCmpUNE(x, y);
    }
    return nullptr;
  }

  void region(std::int32_t r) {
    for (ValueId id : f_.regions[static_cast<std::size_t>(r)].body) inst(id);
  }

  void inst(ValueId id) {
    const Inst& in = f_[id];
    auto a = [&](std::size_t k) { return v(in.operands[k]); };
    switch (in.kind) {
      case Kind::Const:
        values_[id] = llvm::ConstantFP::get(b_.getDoubleTy(), in.number);
        break;
      case Kind::IndexConst:
        values_[id] = in.type == Type::Bool ? static_cast<llvm::Value*>(b_.getInt1(in.integer != 0))
                                            : b_.getInt64(static_cast<std::uint64_t>(in.integer));
        break;
      case Kind::Param:
        break;
      case Kind::Load:
        values_[id] = b_.CreateLoad(b_.getDoubleTy(), element(inputs_[in.array], a(0)));
        break;
      case Kind::Store:
        b_.CreateStore(a(1), element(outputs_[in.array], a(0)));
        break;
      case Kind::Accum: {
        llvm::Value* p = element(outputs_[in.array], a(0));
        b_.CreateStore(b_.CreateFAdd(b_.CreateLoad(b_.getDoubleTy(), p), a(1)), p);
        break;
      }
      case Kind::Math:
        values_[id] = math(in);
        break;
      case Kind::Compare:
        values_[id] = compare(static_cast<Cmp>(in.aux), a(0), a(1));
        break;
      case Kind::Not:
        values_[id] = b_.CreateNot(a(0));
        break;
      case Kind::And:
        values_[id] = b_.CreateAnd(a(0), a(1));
        break;
      case Kind::Or:
        values_[id] = b_.CreateOr(a(0), a(1));
        break;
      case Kind::Select:
        values_[id] = b_.CreateSelect(a(0), a(1), a(2));
        break;
      case Kind::IndexAdd:
        values_[id] = b_.CreateAdd(a(0), a(1));
        break;
      case Kind::IndexSub:
        values_[id] = b_.CreateSub(a(0), a(1));
        break;
      case Kind::IndexMul:
        values_[id] = b_.CreateMul(a(0), a(1));
        break;
      case Kind::Guard: {
        auto* fail = llvm::BasicBlock::Create(ctx_, "guard_failed", inner_);
        auto* ok = llvm::BasicBlock::Create(ctx_, "guard_ok", inner_);
        llvm::Value* holds = in.integer ? a(0) : b_.CreateNot(a(0));
        b_.CreateCondBr(holds, ok, fail);
        b_.SetInsertPoint(fail);
        b_.CreateRet(b_.getInt32(static_cast<std::uint32_t>(in.aux) + 1));
        b_.SetInsertPoint(ok);
        break;
      }
      case Kind::Loop:
        loop(id);
        break;
      case Kind::LoopResult:
        values_[id] = loop_phis_.at(in.operands[0])[in.aux];
        break;
      case Kind::StashStore:
        b_.CreateStore(a(1), stash_address(in));
        break;
      case Kind::StashLoad:
        values_[id] = b_.CreateLoad(b_.getDoubleTy(), stash_address(in));
        break;
    }
  }

  void loop(ValueId id) {
    const Inst& in = f_[id];
    const Region& body = f_.regions[static_cast<std::size_t>(in.region)];
    const std::size_t nc = in.operands.size();
    const std::int64_t trips = in.aux2 - in.integer;
    auto* pre = b_.GetInsertBlock();
    auto* header = llvm::BasicBlock::Create(ctx_, "loop", inner_);
    auto* entry = llvm::BasicBlock::Create(ctx_, "body", inner_);
    auto* exit = llvm::BasicBlock::Create(ctx_, "done", inner_);
    b_.CreateBr(header);
    b_.SetInsertPoint(header);
    auto* step = b_.CreatePHI(b_.getInt64Ty(), 2, "step");
    step->addIncoming(b_.getInt64(0), pre);
    std::vector<llvm::PHINode*> carries;
    for (std::size_t k = 0; k < nc; ++k) {
      auto* phi = b_.CreatePHI(b_.getDoubleTy(), 2);
      phi->addIncoming(v(in.operands[k]), pre);
      carries.push_back(phi);
    }
    b_.CreateCondBr(b_.CreateICmpSLT(step, b_.getInt64(static_cast<std::uint64_t>(trips))), entry, exit);
    b_.SetInsertPoint(entry);
    values_[body.params[0]] =
        in.reversed ? b_.CreateSub(b_.getInt64(static_cast<std::uint64_t>(in.aux2 - 1)), step, "i", true, true)
                    : b_.CreateAdd(b_.getInt64(static_cast<std::uint64_t>(in.integer)), step, "i", true, true);
    for (std::size_t k = 0; k < nc; ++k) values_[body.params[k + 1]] = carries[k];
    region(in.region);
    auto* latch = b_.GetInsertBlock();
    for (std::size_t k = 0; k < nc; ++k) carries[k]->addIncoming(v(body.yields[k]), latch);
    step->addIncoming(b_.CreateAdd(step, b_.getInt64(1), "next", true, true), latch);
    b_.CreateBr(header);
    b_.SetInsertPoint(exit);
    std::vector<llvm::Value*> results(carries.begin(), carries.end());
    loop_phis_[id] = std::move(results);
  }

  const Function& f_;
  llvm::LLVMContext& ctx_;
  llvm::Module& m_;
  llvm::IRBuilder<> b_;
  llvm::Function* inner_ = nullptr;
  std::vector<llvm::Value*> values_;
  std::vector<llvm::Value*> inputs_, outputs_;
  llvm::Value* workspace_ = nullptr;
  std::unordered_map<ValueId, std::vector<llvm::Value*>> loop_phis_;
};

using EntryFn = int (*)(const double* const*, double* const*, double*);

class Jitted final : public Executable {
 public:
  Jitted(std::unique_ptr<llvm::orc::LLJIT> jit, EntryFn fn) : jit_(std::move(jit)), fn_(fn) {}
  int run(const double* const* inputs, double* const* outputs, double* workspace) const override {
    return fn_(inputs, outputs, workspace);
  }

 private:
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  EntryFn fn_;
};

class LlvmBackend final : public Backend {
 public:
  explicit LlvmBackend(int level) : level_(level) {
    if (level < 0 || level > 3)
      throw Error("kinase::ir::llvm_backend: `opt_level` must be 0 to 3, not " + std::to_string(level));
    init_llvm();
  }
  std::string_view name() const override { return "llvm"; }

  std::unique_ptr<Executable> compile(const Function& f) const override {
    auto jtmb = unwrap(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host");
    // Level 1 is for compile time: the optimiser's -O1 and LLVM's fast instruction selection and register
    // allocation (a large trace compiles several times faster, its code runs up to 2× slower).
    jtmb.setCodeGenOptLevel(level_ >= 3   ? llvm::CodeGenOpt::Aggressive
                            : level_ <= 1 ? llvm::CodeGenOpt::None
                                          : llvm::CodeGenOpt::Default);
    auto tm = unwrap(jtmb.createTargetMachine(), "creating the target machine");
    auto ctx = std::make_unique<llvm::LLVMContext>();
    auto module = std::make_unique<llvm::Module>(f.name.empty() ? "kinase" : f.name, *ctx);
    module->setDataLayout(tm->createDataLayout());
    module->setTargetTriple(tm->getTargetTriple().str());
    Codegen(f, *ctx, *module).generate();
    std::string problems;
    llvm::raw_string_ostream os(problems);
    if (llvm::verifyModule(*module, &os))
      throw Error("kinase::ir::llvm_backend: internal: the generated LLVM IR is invalid: " + os.str());
    const char* dump = std::getenv("KINASE_DUMP_LLVM");  // for inspection: the module before and after
    auto write = [&](const char* suffix) {
      std::error_code ec;
      llvm::raw_fd_ostream file(std::string(dump) + "/" + (f.name.empty() ? "kinase" : f.name) + suffix, ec);
      if (!ec) module->print(file, nullptr);
    };
    if (dump) write(".in.ll");
    optimise(*module, tm.get());
    if (dump) write(".ll");

    auto jit =
        unwrap(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(jtmb)).create(), "creating the JIT");
    auto& dylib = jit->getMainJITDylib();
    dylib.addGenerator(
        unwrap(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(jit->getDataLayout().getGlobalPrefix()),
               "opening the process's symbols"));
    llvm::orc::MangleAndInterner mangle(jit->getExecutionSession(), jit->getDataLayout());
    llvm::orc::SymbolMap own;
    own[mangle("kinase_ir_polygamma")] =
        llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(&kinase_ir_polygamma), llvm::JITSymbolFlags::Exported);
    if (auto e = dylib.define(llvm::orc::absoluteSymbols(std::move(own))))
      throw Error("kinase::ir::llvm_backend: defining Kinase's symbols: " + to_string(std::move(e)));
    if (auto e = jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(ctx))))
      throw Error("kinase::ir::llvm_backend: adding the module: " + to_string(std::move(e)));
    auto address = unwrap(jit->lookup("kinase_entry"), "looking up the entry point");
    auto fn = address.toPtr<EntryFn>();
    return std::make_unique<Jitted>(std::move(jit), fn);
  }

 private:
  void optimise(llvm::Module& m, llvm::TargetMachine* tm) const {
    if (level_ == 0) return;
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder pb(tm);
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    const llvm::OptimizationLevel level = level_ == 1   ? llvm::OptimizationLevel::O1
                                          : level_ == 2 ? llvm::OptimizationLevel::O2
                                                        : llvm::OptimizationLevel::O3;
    pb.buildPerModuleDefaultPipeline(level).run(m, mam);
  }

  int level_;
};

}  // namespace

bool has_llvm() { return true; }
std::unique_ptr<Backend> llvm_backend(int opt_level) { return std::make_unique<LlvmBackend>(opt_level); }
std::unique_ptr<Backend> default_backend() { return llvm_backend(2); }

}  // namespace kinase::ir
