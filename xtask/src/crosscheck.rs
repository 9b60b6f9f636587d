pub fn run() -> crate::util::Result<()> {
    Err("todo".into())
}
