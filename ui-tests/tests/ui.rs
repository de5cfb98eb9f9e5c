#[test]
fn misuses_of_the_macros_fail_with_clear_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
