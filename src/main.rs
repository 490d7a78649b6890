fn main() {
    println!("confuzz");
}
